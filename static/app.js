// Progressive enhancement only: every page works without this file.
// After a reply, move focus to the newest turn so keyboard and screen-reader users carry on
// from where the conversation now stands.
document.addEventListener("DOMContentLoaded", function () {
  var id = window.location.hash.slice(1);
  if (id.indexOf("turn-") === 0) {
    var el = document.getElementById(id);
    if (el) {
      el.setAttribute("tabindex", "-1");
      el.focus({ preventScroll: false });
    }
  }
});
