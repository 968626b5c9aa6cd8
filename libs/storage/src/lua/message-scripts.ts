/**
 * Lua scripts for Web Push messages. A message is a hash `u:{uaid}:m:<key>` with a Redis expiry
 * (its TTL), indexed in the sorted set `u:{uaid}:msg` by arrival sequence; `u:{uaid}:top` maps
 * "<chid> <topic>" to the message that topic currently names, while that message is stored. Every key carries the user's hash
 * tag; message keys are built from the prefix argument (same slot as the declared keys).
 */

/**
 * Drop the topic entries whose message is gone (expired, or deleted without its entry, as by an
 * unregister), and give the index the expiry of its longest-lived message, so that it neither
 * grows with expired messages nor outlives them. A Lua function, declared at the top of the
 * scripts that touch the index (on push and on read): prune_topics(topics key, message prefix).
 */
const PRUNE_TOPICS = `
local function prune_topics(top, prefix)
  local h = redis.call('HGETALL', top)
  local longest = 0
  for i = 1, #h, 2 do
    local p = redis.call('PTTL', prefix .. h[i + 1])
    if p == -2 then
      redis.call('HDEL', top, h[i])
    elseif p > longest then
      longest = p
    end
  end
  if longest > 0 then redis.call('PEXPIRE', top, longest) end
end
`;

/**
 * Store a message and read the route in one step (store, then route: a lost publish is repaired
 * by the next hello). A user already holding `max` live messages is refused ({4}) and nothing
 * changes but the pruning of expired index entries: every message answered 201 stays
 * deliverable until its client reads it or its TTL runs out, and the sender is told to retry
 * later (autopush instead resets such a user after delivering part of the backlog, and what it
 * had not sent yet is lost). A message replacing a live one of the same topic is not refused:
 * the count does not grow.
 * KEYS: user, channels, msgs, msg, topics. ARGV: key, chid, ttlMs, topic ('' none), max messages,
 * message prefix, field, value, ...
 * Returns {0} unknown user or channel; {1, node, epoch} TTL 0 (not stored);
 * {2, node, epoch, seq, replaced (0|1), expired} stored;
 * {4, node, epoch, expired, ms until the first stored message expires (-1 unknown)} refused.
 */
export const STORE_MESSAGE = `${PRUNE_TOPICS}
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then
  return {0}
end
local o = redis.call('HMGET', KEYS[1], 'node', 'epoch')
local node, epoch = o[1] or '', o[2] or ''
local ttl = tonumber(ARGV[3])
if ttl <= 0 then return {1, node, epoch} end
local prefix, max = ARGV[6], tonumber(ARGV[5])
local tk = false
if ARGV[4] ~= '' then tk = ARGV[2] .. ' ' .. ARGV[4] end
-- The message of the same topic, replaced by this one.
local old = tk and redis.call('HGET', KEYS[5], tk)
local expired = 0
if not (old and redis.call('EXISTS', prefix .. old) == 1) and redis.call('ZCARD', KEYS[3]) >= max then
  -- At the limit by the index: count only messages still alive (expired ones go now).
  local soonest = -1
  for _, k in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    local p = redis.call('PTTL', prefix .. k)
    if p == -2 then
      redis.call('ZREM', KEYS[3], k)
      expired = expired + 1
    elseif p >= 0 and (soonest < 0 or p < soonest) then
      soonest = p
    end
  end
  if redis.call('ZCARD', KEYS[3]) >= max then
    prune_topics(KEYS[5], prefix)
    return {4, node, epoch, expired, soonest}
  end
end
local replaced = 0
if old then
  replaced = redis.call('DEL', prefix .. old)
  if redis.call('ZREM', KEYS[3], old) == 1 and replaced == 0 then expired = expired + 1 end
end
local seq = redis.call('HINCRBY', KEYS[1], 'mseq', 1)
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[4], 's', seq, unpack(fields))
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('ZADD', KEYS[3], seq, ARGV[1])
-- The index lives as long as its longest-lived message.
local p = redis.call('PTTL', KEYS[3])
if p == -1 or (p >= 0 and p < ttl) then redis.call('PEXPIRE', KEYS[3], ttl) end
if tk then redis.call('HSET', KEYS[5], tk, ARGV[1]) end
prune_topics(KEYS[5], prefix)
return {2, node, epoch, seq, replaced, expired}
`;

/**
 * Up to `limit` live messages after sequence `after`, oldest first; index entries whose message
 * expired are removed and counted, and so are the topic entries of messages gone.
 * KEYS: user, msgs, topics. ARGV: message prefix, after, limit.
 * Returns {node, epoch, proto, expired, {key, {field, value, ...}}, ...}.
 */
export const READ_MESSAGES = `${PRUNE_TOPICS}
local o = redis.call('HMGET', KEYS[1], 'node', 'epoch', 'proto')
local prefix, after, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
prune_topics(KEYS[3], prefix)
local out, expired = {}, 0
while #out < limit do
  local page = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. after, '+inf', 'WITHSCORES', 'LIMIT', 0, limit)
  if #page == 0 then break end
  for i = 1, #page, 2 do
    local h = redis.call('HGETALL', prefix .. page[i])
    if #h == 0 then
      redis.call('ZREM', KEYS[2], page[i])
      expired = expired + 1
    elseif #out < limit then
      out[#out + 1] = {page[i], h}
    end
    after = page[i + 1]
  end
  if #page < 2 * limit then break end
end
return {o[1] or '', o[2] or '', o[3] or '', expired, out}
`;

/**
 * Delete one message (ack or cancel). KEYS: msgs, msg, topics. ARGV: key.
 * Returns {existed (0|1), receipt id ('' none), messages left in the index}.
 */
export const DELETE_MESSAGE = `
local h = redis.call('HMGET', KEYS[2], 'c', 't', 'r')
local existed = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
if h[2] and h[2] ~= '' then
  local tk = h[1] .. ' ' .. h[2]
  if redis.call('HGET', KEYS[3], tk) == ARGV[1] then redis.call('HDEL', KEYS[3], tk) end
end
return {existed, h[3] or '', redis.call('ZCARD', KEYS[1])}
`;

/** Drop the stored messages of one channel (unregister). KEYS: msgs. ARGV: prefix, chid. */
export const DROP_CHANNEL_MESSAGES = `
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local c = redis.call('HGET', ARGV[1] .. m, 'c')
  if not c or c == ARGV[2] then
    redis.call('ZREM', KEYS[1], m)
    if c then
      redis.call('DEL', ARGV[1] .. m)
      n = n + 1
    end
  end
end
return n
`;

/** A fixed-window counter. KEYS: counter. ARGV: window ms. Returns {count, ms left}. */
export const RATE_HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {n, left}
`;
