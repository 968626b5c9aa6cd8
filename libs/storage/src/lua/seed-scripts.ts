/**
 * Lua scripts for the seed's server–distributor protocol (PyUPush). A seed id is a user of its
 * own (`u:{uaid}` with kind 'seed') holding one channel; a stream that reads it takes its route
 * as a WebSocket hello does.
 */

/**
 * A stream takes the route of a seed user: new epoch, this node. Only users made by
 * `GET /client/register` (kind 'seed'): a stream can never take over a WebSocket client's UAID.
 * KEYS: user, channels. ARGV: node, now, idle expiry ms. Returns false for anything else, else
 * {prevNode, prevEpoch, epoch}.
 */
export const SEED_CLAIM = `
if redis.call('HGET', KEYS[1], 'kind') ~= 'seed' then return false end
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
local prev = redis.call('HMGET', KEYS[1], 'node', 'epoch')
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'seen', ARGV[2])
return {prev[1] or '', prev[2] or '', epoch}
`;
