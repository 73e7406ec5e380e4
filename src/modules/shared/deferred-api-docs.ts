/**
 * OpenAPI property options recorded by decorators of classes that load without
 * `@nestjs/swagger`: the CLI validates trips and bookings with the same DTO classes as the
 * API, and importing the swagger package there (with NestJS and rxjs behind it) cost every
 * command ~0.45 s of start-up. `setupOpenApi` applies what was recorded before it builds the
 * document.
 */
export interface DeferredProperty {
  readonly target: object;
  readonly key: string | symbol;
  readonly options: Readonly<Record<string, unknown>>;
}

const pending: DeferredProperty[] = [];

/** Records `options` for the property it decorates, in the order decorators run. */
export const documentLater =
  (options: Readonly<Record<string, unknown>>): PropertyDecorator =>
  (target, key) => {
    pending.push({ target, key, options });
  };

/** What was recorded since the last call (the metadata, once applied, stays on the classes). */
export function takeDeferredDocs(): DeferredProperty[] {
  return pending.splice(0);
}
