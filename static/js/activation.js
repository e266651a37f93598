// Take the one-time token out of the address bar and the history as soon as the page is shown;
// the form still carries it for the POST exchange (issue 16, as js/invitation.js for the parent portal).
(function () {
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", "/accounts/login/");
  }
})();
