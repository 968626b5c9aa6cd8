/**
 * Test and bench only: the key layout and script text, for specs that assert what Redis holds and
 * for the bench's floors that replay Herald's scripts without Herald. Application code goes
 * through the repositories (`@herald/storage`), never through keys. Imported by path
 * (libs/storage/src/testing), so it is not part of the library's public face.
 */
export { keys } from './keys';
export { ACK, NOTIFY } from './lua/scripts';
export { NotifyStatus } from './lua/script-results';
export { notifyTemplate } from './node-message';
