/** Time for pages that act later (a card's renewal); tests replace `later` to step through. */
module.exports = {
  now: () => Date.now(),
  later: (fn, ms) => setTimeout(fn, ms),
  cancel: (handle) => clearTimeout(handle)
}
