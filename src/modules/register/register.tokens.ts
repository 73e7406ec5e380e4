/** `config/controller.yaml`, loaded at boot. */
export const CONTROLLER_CONFIG = Symbol('CONTROLLER_CONFIG');
