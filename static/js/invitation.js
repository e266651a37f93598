// Take the one-time token out of the address bar and the history as soon as the page is shown;
// the form still carries it for the POST exchange.
(function () {
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", "/portaal/");
  }
})();
