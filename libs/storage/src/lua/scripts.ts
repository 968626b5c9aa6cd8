import { NEWER } from './newer.lua';

/**
 * The Lua scripts that make each state change atomic. Each touches the keys of one UAID only
 * (one Redis Cluster slot); cross-slot steps (channel ownership) are separate, ordered commands.
 *
 * A channel's value in `u:{uaid}:ch` is '' (registered, no version yet), 'V' (version V, not
 * acknowledged) or '+V' (version V, acknowledged): one hash entry per channel holds both the
 * resync source of truth and the ack state.
 */

/**
 * A user's own keys (its hash and its channels) expire when the user is idle that long: every
 * hello, registration and stream claim sets the expiry again, and gateways refresh it for the
 * clients they hold. ms <= 0: never.
 */
const TOUCH = `
local function touch(ms, a, b)
  if tonumber(ms) > 0 then
    redis.call('PEXPIRE', a, ms)
    redis.call('PEXPIRE', b, ms)
  end
end
`;

/** Pending updates of a user: channels whose latest version is not acknowledged. */
const PENDING = `
local function pending(chKey)
  local vers = redis.call('HGETALL', chKey)
  local out = {}
  for i = 1, #vers, 2 do
    local v = vers[i + 1]
    if v ~= '' and string.byte(v, 1) ~= 43 then
      out[#out + 1] = vers[i]
      out[#out + 1] = v
    end
  end
  return out
end
`;

/**
 * hello for a known UAID. Take ownership first (new epoch), then read pending versions in the same
 * atomic step: a concurrent notify either ran before (its version is read here) or after (it sees
 * this node as owner). With a channel list, reconcile: drop what the client no longer lists,
 * restore what the server lost, up to the channel limit (the rest are returned as over).
 * KEYS: user, channels. ARGV: node, proto, now, wakeup ('' for none), reconcile ('1'|'0'), idle
 * expiry ms, channel limit (0: none), chids...
 * Returns false for an unknown UAID, else {prevNode, prevEpoch, epoch, pending, dropped, restored,
 * over}.
 */
export const HELLO = `${PENDING}${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local prev = redis.call('HMGET', KEYS[1], 'node', 'epoch')
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'proto', ARGV[2], 'seen', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'wk', ARGV[4]) else redis.call('HDEL', KEYS[1], 'wk') end
local dropped, restored, over = {}, {}, {}
if ARGV[5] == '1' then
  local want = {}
  for i = 8, #ARGV do want[ARGV[i]] = true end
  local have, count = {}, 0
  for _, c in ipairs(redis.call('HKEYS', KEYS[2])) do
    have[c] = true
    if not want[c] then
      redis.call('HDEL', KEYS[2], c)
      dropped[#dropped + 1] = c
    else
      count = count + 1
    end
  end
  local limit = tonumber(ARGV[7])
  for i = 8, #ARGV do
    local c = ARGV[i]
    if not have[c] then
      have[c] = true
      if limit > 0 and count >= limit then
        over[#over + 1] = c
      else
        count = count + 1
        redis.call('HSET', KEYS[2], c, '')
        restored[#restored + 1] = c
      end
    end
  end
end
touch(ARGV[6], KEYS[1], KEYS[2])
return {prev[1] or '', prev[2] or '', epoch, pending(KEYS[2]), dropped, restored, over}
`;

/**
 * After this node's subscription was restored (Redis reconnect), a PUT may have found no
 * subscriber and cleared the route of a client that is still connected here. Put the route back
 * if the connection is still the UAID's latest, and read what is pending.
 * KEYS: user, channels. ARGV: node, epoch. Returns false when another connection took over.
 */
export const RECLAIM_ROUTE = `${PENDING}
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then return false end
redis.call('HSET', KEYS[1], 'node', ARGV[1])
return pending(KEYS[2])
`;

/** KEYS: user. ARGV: node, epoch. Clears the route only if it is still this connection's. */
export const RELEASE_ROUTE = `
local o = redis.call('HMGET', KEYS[1], 'node', 'epoch')
if o[1] == ARGV[1] and o[2] == ARGV[2] then redis.call('HDEL', KEYS[1], 'node') return 1 end
return 0
`;

/**
 * Store a version if newer, read the route and, on a single Redis, publish to the node in the same
 * round trip (a Redis Cluster forbids publishing to another slot from a script: then the caller
 * publishes). A publish nobody received is the caller's to judge (a dead node, or a live one whose
 * subscription is in a gap), so the route is returned. The endpoint's rate window is counted here
 * too (its key carries the user's hash tag), so a PUT stays one round trip.
 * KEYS: user, channels, rate window. ARGV: chid, version, the node message's text before and
 * after its epoch (node-message.ts `notifyTemplate`), node channel prefix ('' = do not publish),
 * limit per window (0 = none), window ms.
 * Returns {0} unknown channel, {1} not newer, {2} routed, {3, wakeup} stored (offline),
 * {4, node, epoch, wakeup} stored, for the caller to publish, {5, ms} over the rate limit,
 * {6, node, epoch, wakeup} stored, published to nobody.
 * notify(k, a) does it for the keys from KEYS[k] and the arguments from ARGV[a].
 */
const NOTIFY_ONE = `${NEWER}
local function notify(k, a)
  local cur = redis.call('HGET', KEYS[k + 1], ARGV[a])
  if not cur then return {0} end
  if tonumber(ARGV[a + 5]) > 0 then
    local n = redis.call('INCR', KEYS[k + 2])
    if n == 1 then redis.call('PEXPIRE', KEYS[k + 2], ARGV[a + 6]) end
    if n > tonumber(ARGV[a + 5]) then return {5, redis.call('PTTL', KEYS[k + 2])} end
  end
  if string.byte(cur, 1) == 43 then cur = string.sub(cur, 2) end
  if not newer(ARGV[a + 1], cur) then return {1} end
  redis.call('HSET', KEYS[k + 1], ARGV[a], ARGV[a + 1])
  local o = redis.call('HMGET', KEYS[k], 'node', 'epoch', 'wk')
  if not o[1] then return {3, o[3] or ''} end
  if ARGV[a + 4] == '' then return {4, o[1], o[2] or '', o[3] or ''} end
  local msg = ARGV[a + 2] .. (o[2] or '') .. ARGV[a + 3]
  if redis.call('PUBLISH', ARGV[a + 4] .. o[1], msg) > 0 then return {2} end
  return {6, o[1], o[2] or '', o[3] or ''}
end
`;
export const NOTIFY = `${NOTIFY_ONE}
return notify(1, 1)
`;

/**
 * Several NOTIFYs in one call (a single Redis only: each user's keys are in their own Cluster
 * slot), each as NOTIFY would run it, in order. KEYS: NOTIFY's three per notification. ARGV:
 * NOTIFY's seven per notification. Returns NOTIFY's reply per notification.
 */
export const NOTIFY_MANY = `${NOTIFY_ONE}
local out = {}
for i = 0, #KEYS / 3 - 1 do out[i + 1] = notify(3 * i + 1, 7 * i + 1) end
return out
`;

/**
 * An ack clears a pending version only if the stored version is not newer than the acked one, so
 * a version that arrived meanwhile survives. ack(key, first, last) takes the (chid, version)
 * pairs in ARGV[first..last] and returns the acked count and the pending count after.
 */
const ACK_ONE = `${NEWER}
local function ack(key, first, last)
  local n = 0
  for i = first, last, 2 do
    local c, v = ARGV[i], ARGV[i + 1]
    local cur = redis.call('HGET', key, c)
    if cur and cur ~= '' and string.byte(cur, 1) ~= 43 and not newer(cur, v) then
      redis.call('HSET', key, c, '+' .. cur)
      n = n + 1
    end
  end
  -- Counted over the values only, with no table built: the same count pending() would give.
  local left = 0
  for _, v in ipairs(redis.call('HVALS', key)) do
    if v ~= '' and string.byte(v, 1) ~= 43 then left = left + 1 end
  end
  return n, left
end
`;

/** KEYS: channels. ARGV: chid, version, ... Returns {acked count, pending count after}. */
export const ACK = `${ACK_ONE}
return {ack(KEYS[1], 1, #ARGV)}
`;

/**
 * The acks of several users in one call (a single Redis only: their keys are in different slots),
 * each user's as ACK would do them, in order. KEYS: each user's channels. ARGV: for each key, its
 * pair count, then its pairs. Returns {acked, pending} per key, flat.
 */
export const ACK_MANY = `${ACK_ONE}
local out = {}
local a = 1
for k = 1, #KEYS do
  local pairsOf = tonumber(ARGV[a])
  local acked, left = ack(KEYS[k], a + 1, a + 2 * pairsOf)
  out[#out + 1] = acked
  out[#out + 1] = left
  a = a + 1 + 2 * pairsOf
end
return out
`;

/** KEYS: user, channels. Returns {node, epoch, pending}. */
export const READ_PENDING = `${PENDING}
local o = redis.call('HMGET', KEYS[1], 'node', 'epoch')
return {o[1] or '', o[2] or '', pending(KEYS[2])}
`;

/**
 * Adds a channel to a user. KEYS: user, channels. ARGV: chid, max channels, idle expiry ms.
 * Returns 1 added or already there, 0 over the limit, -1 unknown user.
 */
export const ADD_CHANNEL = `${TOUCH}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
  redis.call('HSET', KEYS[2], ARGV[1], '')
end
touch(ARGV[3], KEYS[1], KEYS[2])
return 1
`;

/**
 * A new user's hash and its idle expiry, atomically (what MULTI/HSET/PEXPIRE/EXEC did, in one
 * command: an ioredis transaction builds a pipeline object per call). KEYS: user. ARGV: idle
 * expiry ms (0: none), field, value, ...
 */
export const CREATE_USER = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`;

/** KEYS: user, channels. ARGV: idle expiry ms. A client still held: its keys stay. */
export const TOUCH_USER = `${TOUCH}
touch(ARGV[1], KEYS[1], KEYS[2])
return redis.call('EXISTS', KEYS[1])
`;

/**
 * Channel ownership lives in bucket hashes (a few thousand keys for all channels, each small
 * enough for Redis's compact listpack encoding) rather than one key per channel.
 * KEYS: bucket. ARGV: field, uaid, the owner it may take over ('' none: a user that expired).
 * 1 when the channel is (now) this UAID's, else the UAID that owns it.
 */
export const CLAIM_CHANNEL = `
local o = redis.call('HGET', KEYS[1], ARGV[1])
if o == ARGV[2] then return 1 end
if not o or (ARGV[3] ~= '' and o == ARGV[3]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return o
`;

/** KEYS: bucket. ARGV: field, uaid. Releases ownership only if it is this UAID's. */
export const RELEASE_CHANNEL = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/** KEYS: key. ARGV: expected value. Deletes only what is ours. */
export const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
