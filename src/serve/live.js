// toolrisk serve: live reload and the error overlay. Injected by the preview
// server only; never part of a built site.
(function () {
  "use strict";
  var OVERLAY_ID = "toolrisk-overlay";
  function clearOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.parentNode.removeChild(old);
  }
  function showOverlay(errors) {
    clearOverlay();
    var box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,0,0,.92);color:#fff;padding:2rem;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace";
    var h = document.createElement("h2");
    var underneath = document.getElementById("toolrisk-error-page") ? " (no build has succeeded yet)" : " (showing the last good build underneath)";
    h.textContent = "The site has " + errors.length + " problem" + (errors.length === 1 ? "" : "s") + underneath;
    h.style.cssText = "margin:0 0 1rem;font:bold 18px system-ui,sans-serif;color:#ffb3b0";
    box.appendChild(h);
    errors.forEach(function (e) {
      var pre = document.createElement("pre");
      pre.className = "toolrisk-error";
      pre.textContent = e;
      pre.style.cssText = "white-space:pre-wrap;margin:0 0 1rem;padding:.75rem;background:#300;border-left:4px solid #ff6b6b";
      box.appendChild(pre);
    });
    document.body.appendChild(box);
  }
  var source = new EventSource("/__toolrisk/events");
  source.onmessage = function (msg) {
    var event;
    try { event = JSON.parse(msg.data); } catch (e) { return; }
    if (event.kind === "reload") {
      clearOverlay();
      window.location.reload();
    } else if (event.kind === "errors") {
      if (event.errors.length) showOverlay(event.errors); else clearOverlay();
    }
  };
})();
