/**
 * Registers a custom element unless the name is taken. A storefront may include the script twice (two
 * copies of a theme block, a tag manager and a template): the second registration is a no-op, never an error.
 */
export function define(name: string, element: CustomElementConstructor): void {
  if (typeof customElements === "undefined" || customElements.get(name)) return;
  try {
    customElements.define(name, element);
  } catch {
    // Another copy registered the name in between (or the registry refused it): keep what is there.
  }
}
