// Replaces the inline <script> of the GOV.UK Frontend page template, which a strict
// Content-Security-Policy (script-src 'self', no 'unsafe-inline') would block.
// Loaded as a classic, blocking script as the first child of <body> so the classes are
// set before the page is painted (no flash of un-enhanced accordions, tabs, etc.).
// `govuk-frontend-supported` tells the GOV.UK Frontend CSS and JavaScript that the
// browser supports ES modules, and so will run ccehub/init.js.
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
