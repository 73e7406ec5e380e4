/**
 * A promise and what settles it, apart: a test holds a step of the code it drives until it
 * has done something in between (`await held` in a spy, `release()` once ready).
 */
export function signal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
