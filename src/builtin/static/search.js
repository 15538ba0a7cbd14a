// toolrisk search box: queries the static index in pagefind/ and lists the
// results. Record text comes from third-party servers, so every piece of it
// is inserted as text (textContent, text nodes); the only elements built
// from it are <mark>s around query words, made here from the plain text.
(function () {
  "use strict";
  var SHOWN = 10;
  var DELAY = 120;
  var engine = null;
  // Every meta field the build writes (src/search.rs).
  var META = ["title", "kind", "name", "server", "category", "risk", "excerpt", "tools", "class"];

  // Loads Pagefind once per page, on first use.
  function load(form) {
    if (!engine) {
      var bundle = form.getAttribute("data-pagefind");
      var base = form.getAttribute("data-base") || "/";
      engine = import(bundle + "pagefind.js").then(function (pf) {
        // Rank by the indexed text alone, where the build weights a tool's
        // own name most (the meta fields repeat that text unweighted); a
        // word counts once however often it occurs, and a word the query
        // only begins (add_issue_comment for "add") counts for much less
        // than the word itself.
        var unweighted = {};
        META.forEach(function (k) { unweighted[k] = 0; });
        // Ranking goes in after init: given before, it does not reach
        // the search worker.
        return pf.options({ baseUrl: base }).then(function () {
          return pf.init();
        }).then(function () {
          return pf.options({
            ranking: { metaWeights: unweighted, termFrequency: 0, termSimilarity: 10 }
          });
        }).then(function () {
          return pf;
        });
      });
      engine.catch(function () { engine = null; });
    }
    return engine;
  }

  // The words to mark: each query word and its letter-and-digit parts.
  function terms(query) {
    var out = [];
    query.toLowerCase().split(/\s+/).forEach(function (w) {
      if (w) out.push(w);
      w.split(/[^\p{L}\p{N}]+/u).forEach(function (p) {
        if (p && p !== w) out.push(p);
      });
    });
    return out.sort(function (a, b) { return b.length - a.length; });
  }

  // Appends `text` to `parent` as text nodes, with query words in <mark>.
  function marked(parent, text, words) {
    var lower = text.toLowerCase();
    // Lower-casing changed the length: positions would not line up.
    if (lower.length !== text.length || !words.length) {
      parent.appendChild(document.createTextNode(text));
      return;
    }
    var plain = 0;
    var i = 0;
    while (i < text.length) {
      var hit = null;
      for (var k = 0; k < words.length; k++) {
        if (lower.startsWith(words[k], i)) { hit = words[k]; break; }
      }
      if (hit) {
        if (i > plain) parent.appendChild(document.createTextNode(text.slice(plain, i)));
        var m = document.createElement("mark");
        m.textContent = text.slice(i, i + hit.length);
        parent.appendChild(m);
        i += hit.length;
        plain = i;
      } else {
        i++;
      }
    }
    if (plain < text.length) parent.appendChild(document.createTextNode(text.slice(plain)));
  }

  function span(cls, text) {
    var s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  }

  // Only site-relative paths under the site's base are followed.
  function safeUrl(url, base) {
    return typeof url === "string" && url.indexOf(base) === 0 && url.charAt(1) !== "/" &&
      !/[\s"'<>\\]/.test(url);
  }

  var RISKS = ["low", "medium", "high", "critical"];

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var category = form.querySelector("select[name=category]");
    var risk = form.querySelector("select[name=risk]");
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = form.querySelector(".search-status");
    var base = form.getAttribute("data-base") || "/";
    var prefix = input.id.replace(/-q$/, "");
    var timer = null;
    var run = 0;
    var busy = false;
    var openWhenReady = false;

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    }

    function setActive(i) {
      var opts = options();
      opts.forEach(function (o, j) {
        o.setAttribute("aria-selected", j === i ? "true" : "false");
      });
      if (opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function activeIndex() {
      return options().findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function clear() {
      close();
      list.textContent = "";
      status.textContent = "";
    }

    function render(datas, total, query) {
      var words = terms(query);
      list.textContent = "";
      datas.forEach(function (d, i) {
        var meta = d.meta || {};
        if (!safeUrl(d.url, base)) return;
        var a = document.createElement("a");
        a.setAttribute("role", "option");
        a.id = prefix + "-hit-" + i;
        a.className = "search-hit";
        a.href = d.url;
        var head = document.createElement("span");
        head.className = "hit-head";
        var title = document.createElement("span");
        title.className = "hit-title";
        marked(title, meta.title || d.url, words);
        head.appendChild(title);
        head.appendChild(span("hit-kind", meta.kind || ""));
        if (RISKS.indexOf(meta.risk) >= 0) {
          head.appendChild(span("badge risk-" + meta.risk, meta.risk));
        }
        if (meta.category) head.appendChild(span("tag", meta.category));
        a.appendChild(head);
        var where = [];
        if (meta.name) where.push(meta.name);
        if (meta.server) where.push("on " + meta.server);
        if (meta.tools) where.push(meta.tools);
        if (meta["class"]) where.push(meta["class"]);
        if (where.length) {
          var w = document.createElement("span");
          w.className = "hit-where";
          marked(w, where.join(" · "), words);
          a.appendChild(w);
        }
        if (meta.excerpt) {
          var ex = document.createElement("span");
          ex.className = "hit-excerpt";
          marked(ex, meta.excerpt, words);
          a.appendChild(ex);
        }
        list.appendChild(a);
      });
      var shown = options().length;
      // Which query the list shows, for scripts that drive the box.
      list.setAttribute("data-query", query);
      if (!total) {
        status.textContent = query ? "No results for \u201c" + query + "\u201d." : "No results.";
      } else if (total > shown) {
        status.textContent = "Showing " + shown + " of " + total + " results.";
      } else {
        status.textContent = total === 1 ? "1 result." : total + " results.";
      }
      if (shown) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        setActive(0);
      } else {
        close();
      }
    }

    function search() {
      var query = input.value.trim();
      var filters = {};
      if (category && category.value) filters.category = category.value;
      if (risk && risk.value) filters.risk = risk.value;
      var mine = ++run;
      clearTimeout(timer);
      timer = null;
      if (!query && !filters.category && !filters.risk) {
        busy = false;
        openWhenReady = false;
        clear();
        return;
      }
      busy = true;
      status.textContent = "Searching\u2026";
      load(form).then(function (pf) {
        return pf.search(query || null, { filters: filters });
      }).then(function (found) {
        if (mine !== run) return null;
        if (!found) {
          busy = false;
          return null;
        }
        var results = found.results || [];
        return Promise.all(results.slice(0, SHOWN).map(function (r) { return r.data(); }))
          .then(function (datas) {
            if (mine !== run) return;
            busy = false;
            render(datas, results.length, query);
            if (openWhenReady) {
              openWhenReady = false;
              go();
            }
          });
      }).catch(function () {
        if (mine !== run) return;
        busy = false;
        openWhenReady = false;
        clear();
        status.textContent = "Search is unavailable right now; browse the server list instead.";
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    }

    // Opens the chosen result (the first one unless the arrows moved).
    function go() {
      var opts = options();
      var i = activeIndex();
      var target = opts[i >= 0 ? i : 0];
      if (target && !list.hidden) window.location.href = target.href;
    }

    function move(step) {
      var opts = options();
      if (!opts.length) return;
      var i = activeIndex() + step;
      if (i < 0) i = opts.length - 1;
      if (i >= opts.length) i = 0;
      setActive(i);
    }

    input.addEventListener("input", schedule);
    input.addEventListener("focus", function () { load(form).catch(function () {}); });
    [category, risk].forEach(function (s) {
      if (s) s.addEventListener("change", search);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) {
          if (options().length) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
            setActive(0);
          } else {
            search();
          }
          return;
        }
        move(e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter" && !e.isComposing) {
        e.preventDefault();
        if (timer !== null || busy) {
          // Typed faster than the results came: open the first when they do.
          openWhenReady = true;
          if (timer !== null) search();
        } else {
          go();
        }
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          close();
        } else if (input.value) {
          e.preventDefault();
          input.value = "";
          clear();
        }
      }
    });
    // Focus moved into the results (Tab): arrows go on from there.
    list.addEventListener("keydown", function (e) {
      var opts = options();
      var i = opts.indexOf(document.activeElement);
      if (i < 0) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        var j = (i + (e.key === "ArrowDown" ? 1 : -1) + opts.length) % opts.length;
        setActive(j);
        opts[j].focus();
      } else if (e.key === "Escape") {
        e.preventDefault();
        close();
        input.focus();
      }
    });
    list.addEventListener("focusin", function (e) {
      var i = options().indexOf(e.target);
      if (i >= 0) setActive(i);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      go();
    });
    document.addEventListener("click", function (e) {
      if (!form.contains(e.target)) close();
    });
    form.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.search[data-pagefind]").forEach(setup);
  });
})();
