export const INGRESS_LOGGER = Symbol('INGRESS_LOGGER');
