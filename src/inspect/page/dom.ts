/// <reference lib="dom" />
/**
 * The page's DOM helpers. Like every `page/*Lib` factory, `domLib` runs in the browser: the page
 * inlines it with `Function.prototype.toString()`, so it must not use anything from outside its
 * own body (no imports at runtime).
 */

type Child = Node | string | null | undefined | false

/** Builds the page's DOM helpers. */
export function domLib() {
  /**
   * `h('div', { class: 'x', 'data-id': id }, child, …)`: an element with attributes (`null`,
   * `undefined` and `false` skipped) and children (text is always set as text, never as HTML).
   */
  function h<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attributes: Record<string, string | number | boolean | null | undefined> = {},
    ...children: Child[]
  ): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag)
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue
      element.setAttribute(name, value === true ? '' : String(value))
    }
    append(element, ...children)
    return element
  }

  /** An SVG element (for the chart's arrows). */
  function svg<K extends keyof SVGElementTagNameMap>(
    tag: K,
    attributes: Record<string, string | number> = {},
  ): SVGElementTagNameMap[K] {
    const element = document.createElementNS('http://www.w3.org/2000/svg', tag)
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
    return element
  }

  function append(parent: Node, ...children: Child[]): void {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue
      parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child)
    }
  }

  /** Replaces every child of `parent`. */
  function replace(parent: Node, ...children: Child[]): void {
    while (parent.firstChild) parent.removeChild(parent.firstChild)
    append(parent, ...children)
  }

  return { h, svg, append, replace }
}

export type Dom = ReturnType<typeof domLib>
