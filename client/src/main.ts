/** Entry point of the web client: defines `<kazru-app>` and the components it uses. */
import './components/app-shell.js';
