/**
 * Versions are canonical decimal strings up to 2^63−1: Lua numbers are doubles and would round
 * them, so compare by length, then lexically. '' (registered, no version yet) is older than all.
 */
export const NEWER = `
local function newer(a, b)
  if b == '' then return a ~= '' end
  if a == '' then return false end
  if #a ~= #b then return #a > #b end
  return a > b
end
`;
