customElements.define('kazru-app', class extends HTMLElement {});
