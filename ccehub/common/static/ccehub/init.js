// Initialises GOV.UK Frontend components. Loaded by base.html as
// <script type="module">, so it runs only in browsers that support ES modules (the
// same browsers that get `govuk-frontend-supported` from js-enabled.js), after the
// document has been parsed. No inline script is needed, so a strict
// Content-Security-Policy holds.
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()

// HTMX swaps server-rendered fragments into the page. Components inside new content
// (error summaries, radios with conditional reveals, notification banners, ...) need
// initialising too. `htmx:load` fires on each element HTMX adds (and once on <body> at
// start-up, which initAll() above has already covered).
//
// The scope is the new element's parent so that a swapped-in element which is itself a
// component root (for example an error summary) is found. Components that were already
// initialised (siblings of the new element) throw InitError, which is expected here.
function ignoreAlreadyInitialised (error) {
  if (error && error.name === 'InitError') {
    return
  }
  console.error(error)
}

document.addEventListener('htmx:load', (event) => {
  const element = event.detail && event.detail.elt
  if (!(element instanceof HTMLElement) || element === document.body) {
    return
  }
  initAll({
    scope: element.parentElement || element,
    onError: ignoreAlreadyInitialised
  })
})
