/** A proxy's wrapped members, by name, with the member each was made from. */
export type Wrapped = Map<PropertyKey, { of: unknown; wrapped: unknown }>;

/**
 * The wrapper of a proxied object's member, made once (not per access: the engine calls the Pbx
 * and the store dozens of times per call); a member replaced on the target is wrapped afresh.
 */
export function wrapOnce(members: Wrapped, prop: PropertyKey, value: unknown, wrap: () => unknown): unknown {
  const known = members.get(prop);
  if (known && known.of === value) return known.wrapped;
  const wrapped = wrap();
  members.set(prop, { of: value, wrapped });
  return wrapped;
}
