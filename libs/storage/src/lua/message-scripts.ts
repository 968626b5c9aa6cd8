/**
 * Lua scripts for Web Push messages. A message is a hash `u:{uaid}:m:<key>` with a Redis expiry
 * (its TTL), indexed in the sorted set `u:{uaid}:msg` by arrival sequence; `u:{uaid}:top` maps
 * "<chid> <topic>" to the message that topic currently names. Every key carries the user's hash
 * tag; message keys are built from the prefix argument (same slot as the declared keys).
 */

/**
 * Store a message and read the route in one step (store, then route: a lost publish is repaired
 * by the next hello). A user already holding `max` live messages is reset instead, as autopush
 * drops a user with too many stored messages: every key of the user is deleted, so its client is
 * given a new UAID at its next hello and re-subscribes (its apps learn the subscriptions changed),
 * where silently dropping the oldest would lose messages nobody hears of.
 * KEYS: user, channels, msgs, msg, topics. ARGV: key, chid, ttlMs, topic ('' none), max messages,
 * message prefix, field, value, ...
 * Returns {0} unknown user or channel; {1, node, epoch} TTL 0 (not stored);
 * {2, node, epoch, seq, replaced (0|1), expired} stored;
 * {3, node, epoch, messages dropped, expired, chid, ...} the user was reset.
 */
export const STORE_MESSAGE = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then
  return {0}
end
local o = redis.call('HMGET', KEYS[1], 'node', 'epoch')
local node, epoch = o[1] or '', o[2] or ''
local ttl = tonumber(ARGV[3])
if ttl <= 0 then return {1, node, epoch} end
local prefix = ARGV[6]
local replaced, expired = 0, 0
if ARGV[4] ~= '' then
  local tk = ARGV[2] .. ' ' .. ARGV[4]
  local old = redis.call('HGET', KEYS[5], tk)
  if old then
    replaced = redis.call('DEL', prefix .. old)
    redis.call('ZREM', KEYS[3], old)
  end
  redis.call('HSET', KEYS[5], tk, ARGV[1])
end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then
  -- At the limit by the index: count only messages still alive (expired ones go now).
  for _, k in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if redis.call('EXISTS', prefix .. k) == 0 then
      redis.call('ZREM', KEYS[3], k)
      expired = expired + 1
    end
  end
  local live = redis.call('ZCARD', KEYS[3])
  if live >= tonumber(ARGV[5]) then
    local chids = redis.call('HKEYS', KEYS[2])
    for _, k in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do redis.call('DEL', prefix .. k) end
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5])
    return {3, node, epoch, live, expired, unpack(chids)}
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'mseq', 1)
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[4], 's', seq, unpack(fields))
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('ZADD', KEYS[3], seq, ARGV[1])
-- The index lives as long as its longest-lived message.
for _, k in ipairs({KEYS[3], KEYS[5]}) do
  local p = redis.call('PTTL', k)
  if p == -1 or (p >= 0 and p < ttl) then redis.call('PEXPIRE', k, ttl) end
end
return {2, node, epoch, seq, replaced, expired}
`;

/**
 * Up to `limit` live messages after sequence `after`, oldest first; index entries whose message
 * expired are removed and counted. KEYS: user, msgs. ARGV: message prefix, after, limit.
 * Returns {node, epoch, proto, expired, {key, {field, value, ...}}, ...}.
 */
export const READ_MESSAGES = `
local o = redis.call('HMGET', KEYS[1], 'node', 'epoch', 'proto')
local prefix, after, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
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
