// toolrisk: copy buttons and JSON highlighting. No inline scripts anywhere.
(function () {
  "use strict";
  function highlight(pre) {
    var code = pre.querySelector("code");
    if (!code || code.dataset.highlighted) return;
    var text = code.textContent;
    var out = document.createDocumentFragment();
    var re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?)|([^"\d-]+|.)/g;
    var m;
    while ((m = re.exec(text)) !== null) {
      var span;
      if (m[1] !== undefined) {
        span = document.createElement("span");
        span.className = m[2] ? "k" : "s";
        span.textContent = m[1];
        out.appendChild(span);
        if (m[2]) out.appendChild(document.createTextNode(m[2]));
      } else if (m[3] !== undefined) {
        span = document.createElement("span");
        span.className = "n";
        span.textContent = m[3];
        out.appendChild(span);
      } else {
        out.appendChild(document.createTextNode(m[0]));
      }
    }
    code.textContent = "";
    code.appendChild(out);
    code.dataset.highlighted = "1";
  }
  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = target.textContent;
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else {
      fallback(text);
      done();
    }
  }
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }
  // A code block wider than its box scrolls; it joins the Tab order so
  // that a keyboard can scroll it too.
  function reachable() {
    document.querySelectorAll("pre").forEach(function (pre) {
      if (pre.scrollWidth > pre.clientWidth) pre.setAttribute("tabindex", "0");
      else pre.removeAttribute("tabindex");
    });
  }
  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(reachable, 150);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("pre.json").forEach(highlight);
    reachable();
    document.querySelectorAll("button.copy").forEach(function (b) {
      b.addEventListener("click", function () { copy(b); });
    });
  });
})();
