import type { Dialect, Mode } from './dialect';
import { simplePushDialect } from './simplepush/simplepush.dialect';
import { webPushDialect } from './webpush/webpush.dialect';

/** Every protocol's dialect: a fourth protocol adds its folder and one line here. */
export const DIALECTS: Readonly<Record<Mode, Dialect>> = {
  simplepush: simplePushDialect,
  webpush: webPushDialect,
};
