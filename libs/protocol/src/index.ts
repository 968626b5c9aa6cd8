export * from './uaid';
export * from './channel-id';
export * from './version';
export * from './close-codes';
export * from './client-frames';
export * from './server-frames';
export * from './webpush-frames';
export * from './session';
