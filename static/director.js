// Progressive enhancement for the director's editor: the "Check" button works without this.
// As the author types, post the text to the preview endpoint (a moment after the last key) and
// show the server's preview and lint beside it. Only the newest answer is shown.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.editor");
  var target = document.getElementById("check");
  if (!form || !target || !window.fetch) {
    return;
  }
  var area = form.querySelector("textarea[name=body]");
  var token = form.querySelector("input[name=csrf]").value;
  var timer = null;
  var seq = 0;
  function refresh() {
    var mine = ++seq;
    var body = new URLSearchParams();
    body.set("csrf", token);
    body.set("body", area.value);
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token }
    }).then(function (res) {
      return res.ok ? res.text() : Promise.reject(res.status);
    }).then(function (html) {
      if (mine === seq) {
        target.innerHTML = html;
        target.setAttribute("data-fresh", String(mine));
      }
    }).catch(function () { /* the Check button still works */ });
  }
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
});
