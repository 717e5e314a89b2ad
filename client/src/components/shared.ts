/**
 * Styles and helpers shared by the components: buttons, focus ring, progress bars, error text.
 */
import { css, html, LitElement, noChange, type TemplateResult } from 'lit';
import {
  Directive,
  directive,
  PartType,
  type AttributePart,
  type PartInfo,
} from 'lit/directive.js';
import { ApiError } from '../api.js';
import { LangController, t } from '../i18n.js';

/** Base of every component: re-renders when the interface language changes. */
export class LocalizedElement extends LitElement {
  constructor() {
    super();
    new LangController(this);
  }
}

/** Readable words for any error: the server's message, else words for the code or status. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.message) return err.message;
    if (err.code === 'NETWORK') return t('networkError');
    if (err.code === 'PAYLOAD_TOO_LARGE') return t('tooLargeHttp');
    return t('serverError', { status: err.status ?? '?' });
  }
  return err instanceof Error && err.message ? err.message : t('serverError', { status: '?' });
}

/** Asks the app shell to read `message` out in its aria-live region. */
export function announce(from: HTMLElement, message: string): void {
  from.dispatchEvent(
    new CustomEvent('announce', { detail: message, bubbles: true, composed: true }),
  );
}

/**
 * `style=${cssProps({ '--c': colour, width: '40%' })}`: sets inline style properties (dash-case
 * names) through the CSSOM (`style.setProperty`), never as a `style` attribute string. The
 * server's Content-Security-Policy has no `'unsafe-inline'` for styles, which blocks
 * `setAttribute('style', …)` but not the CSSOM (CSP Level 3, `style-src-attr`); Lit's own
 * `styleMap` writes the attribute on first render, so it cannot be used.
 */
class CssPropsDirective extends Directive {
  private names = new Set<string>();
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ATTRIBUTE || part.name !== 'style') {
      throw new Error('cssProps must be the whole value of a style attribute');
    }
  }
  render(_props: Record<string, string>) {
    return noChange;
  }
  override update(part: AttributePart, [props]: [Record<string, string>]) {
    const style = part.element.style;
    for (const name of this.names) if (!(name in props)) style.removeProperty(name);
    for (const [name, value] of Object.entries(props)) style.setProperty(name, value);
    this.names = new Set(Object.keys(props));
    return noChange;
  }
}
export const cssProps = directive(CssPropsDirective);

/** A progress bar (0..100) with its accessible name. */
export function progressBar(value: number, label: string): TemplateResult {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return html`<div
    class="bar"
    role="progressbar"
    aria-label=${label}
    aria-valuemin="0"
    aria-valuemax="100"
    aria-valuenow=${v}
  >
    <div class="bar-fill" style=${cssProps({ width: `${v}%` })}></div>
  </div>`;
}

/** Styles every component includes. */
export const sharedStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
  }
  /* A file name: bold, and long names wrap anywhere instead of widening the layout. */
  .name {
    font-weight: 600;
    overflow-wrap: anywhere;
    min-width: 0;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h2 {
    font-size: 1.25rem;
    margin: 0 0 0.75rem;
  }
  button,
  select,
  input {
    font: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid #8a94a6;
    background: #fff;
    color: #1b2430;
    border-radius: 6px;
    padding: 0.4rem 0.8rem;
    min-height: 2.25rem;
  }
  button:hover {
    background: #eef2f8;
  }
  button.primary {
    background: #1d4ed8;
    border-color: #1d4ed8;
    color: #fff;
  }
  button.primary:hover {
    background: #1e40af;
  }
  button.danger {
    color: #b91c1c;
    border-color: #b91c1c;
  }
  button.danger.primary {
    background: #b91c1c;
    color: #fff;
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  :focus-visible {
    outline: 3px solid #f59e0b;
    outline-offset: 2px;
  }
  a {
    color: #1d4ed8;
  }
  .bar {
    height: 0.6rem;
    background: #e3e8ef;
    border-radius: 999px;
    overflow: hidden;
  }
  .bar-fill {
    height: 100%;
    background: #1d4ed8;
    transition: width 0.3s ease;
  }
  .error {
    color: #b91c1c;
    font-weight: 600;
  }
  .muted {
    color: #4b5563;
  }
  .card {
    background: #fff;
    border: 1px solid #d6dce5;
    border-radius: 10px;
    padding: 1rem;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
