// toolrisk search box: queries the static index in search/ and lists the
// results. Record text comes from third-party servers, so every piece of it
// is inserted as text (textContent, text nodes); the only elements built
// from it are <mark>s around query words, made here from the plain text.
(function () {
  "use strict";
  var SHOWN = 10;
  var DELAY = 120;

  // The index format this script reads (src/search.rs documents it).
  var FORMAT = 1;
  // Word chunks fetched per query word at most: a word that begins many
  // indexed words finds the first ones.
  var MAX_CHUNKS = 3;
  var MAX_WORD = 40;
  var LETTER = /[\p{Alphabetic}\p{N}]/u;
  var UPPER = /\p{Uppercase}/u;
  var LOWER_OR_DIGIT = /[\p{Lowercase}\p{N}]/u;

  // Cuts text into index words exactly as the build does (search::words):
  // runs of letters and digits, split again before an upper-case letter
  // that follows a lower-case one or a digit, lower-cased, cut to MAX_WORD.
  function indexWords(text) {
    var out = [];
    var cur = "";
    var afterLower = false;
    function finish() {
      if (cur) out.push(Array.from(cur.toLowerCase()).slice(0, MAX_WORD).join(""));
      cur = "";
    }
    for (var ch of text) {
      if (LETTER.test(ch)) {
        if (afterLower && UPPER.test(ch)) finish();
        cur += ch;
        afterLower = LOWER_OR_DIGIT.test(ch);
      } else {
        finish();
        afterLower = false;
      }
    }
    finish();
    return out;
  }

  // The static index under `root` (the site's search/ folder).
  function Index(root) {
    this.root = root;
    this.files = {};
    this.ready = fetch(root + "index.json", { cache: "no-cache" }).then(function (r) {
      if (!r.ok) throw new Error("no search index");
      return r.json();
    }).then(function (m) {
      if (m.format !== FORMAT) throw new Error("search index format " + m.format);
      return m;
    });
  }

  Index.prototype.file = function (m, path) {
    var key = path;
    if (!this.files[key]) {
      var self = this;
      this.files[key] = fetch(this.root + path + "?v=" + encodeURIComponent(m.version)).then(function (r) {
        if (!r.ok) throw new Error(path);
        return r.json();
      });
      this.files[key].catch(function () { delete self.files[key]; });
    }
    return this.files[key];
  };

  // The word chunks that hold the words starting with `prefix`.
  function chunksFor(m, prefix) {
    var lo = 0;
    var hi = m.chunks.length - 1;
    var at = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (m.chunks[mid] <= prefix) { at = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    var out = [at];
    while (out.length < MAX_CHUNKS && at + 1 < m.chunks.length && m.chunks[at + 1].startsWith(prefix)) {
      out.push(++at);
    }
    return out;
  }

  // Every record with a word that starts with `term` (or, with `exact`,
  // equals it): id -> [score, facet, whether the word equals the term]. A
  // word equal to the term counts fully, a longer one half.
  Index.prototype.lookup = function (m, term, exact) {
    var self = this;
    if (!m.chunks.length) return Promise.resolve({ hits: new Map(), cut: false });
    return Promise.all(chunksFor(m, term).map(function (c) {
      return self.file(m, "w/" + c + ".json");
    })).then(function (chunks) {
      var hits = new Map();
      var cut = false;
      chunks.forEach(function (chunk) {
        for (var i = 0; i < chunk.w.length; i++) {
          var w = chunk.w[i];
          if (exact ? w !== term : !w.startsWith(term)) continue;
          var p = chunk.p[i];
          var half = w !== term;
          if ((p.length - 1) / 3 < p[0]) cut = true;
          var id = 0;
          for (var k = 1; k < p.length; k += 3) {
            id += p[k];
            var score = half ? p[k + 1] >> 1 : p[k + 1];
            var had = hits.get(id);
            if (!had || had[0] < score) hits.set(id, [score, p[k + 2], !half]);
          }
        }
      });
      return { hits: hits, cut: cut };
    });
  };

  function accepts(m, facet, filters) {
    var f = m.facets[facet];
    if (filters.risk !== undefined && f[0] !== filters.risk) return false;
    if (filters.category !== undefined && f.indexOf(filters.category, 1) < 1) return false;
    return true;
  }

  // The records of `ids`, as {url, meta}, in that order.
  Index.prototype.records = function (m, ids, base) {
    var self = this;
    return Promise.all(ids.map(function (id) {
      return self.file(m, "r/" + Math.floor(id / m.per_chunk) + ".json").then(function (rows) {
        var r = rows[id % m.per_chunk];
        var meta = { title: r[2], kind: r[1], name: r[3], server: r[4], category: r[5], risk: r[6], excerpt: r[7] };
        if (r[1] === "server") meta.tools = r[8];
        if (r[1] === "attack") meta["class"] = r[8];
        // Built from slugs (letters, digits, `-`, `_`, `.`), never `.` or `..`.
        var path = typeof r[0] === "string" && /^[A-Za-z0-9_.~-]+(\/[A-Za-z0-9_.~-]+)*\/$/.test(r[0]) &&
          !r[0].split("/").some(function (seg) { return seg === "." || seg === ".."; });
        return { url: path ? base + r[0] : "", meta: meta };
      });
    }));
  };

  // Ranks the records matching `query` under `filters` ({category, risk}
  // names): {m, ids (every match, best first), total, floor (the total is
  // a floor: a very common word's list was cut), browse (no query word:
  // `ids` are only the first of the `total` records the filters keep)}.
  Index.prototype.rank = function (query, filters) {
    var self = this;
    return this.ready.then(function (m) {
      var none = { m: m, ids: [], total: 0, floor: false, browse: false };
      var want = {};
      if (filters.category) {
        want.category = m.categories.indexOf(filters.category);
        if (want.category < 0) return none;
      }
      if (filters.risk) {
        want.risk = m.risks.indexOf(filters.risk);
        if (want.risk < 0) return none;
      }
      var raw = indexWords(query);
      var terms = raw.filter(function (t, i, all) { return all.indexOf(t) === i; });
      if (!terms.length) {
        var key = (want.category === undefined ? "" : want.category) + "|" +
          (want.risk === undefined ? "" : want.risk);
        var b = m.browse[key] || [0, []];
        return { m: m, ids: b[1], total: b[0], floor: false, browse: true };
      }
      // Every word, repeats included, as the build runs a name's words together.
      var joined = Array.from(raw.join("")).slice(0, MAX_WORD).join("");
      // The query as typed (search::literal): of names with the same
      // words, the one typed exactly; counted only when equal, so that it
      // never lifts longer names above the one typed.
      var literal = "=" + Array.from(query.trim().split(/\s+/).join(" ").toLowerCase()).slice(0, MAX_WORD).join("");
      var lookups = terms.map(function (t) { return self.lookup(m, t); });
      // The build indexes no literal for a one-word name that is its word.
      if (raw.length > 1 || literal !== "=" + raw[0]) lookups.push(self.lookup(m, literal, true));
      // A name typed as one word or with other separators (see search::Scorer::name).
      if (raw.length > 1) lookups.push(self.lookup(m, joined));
      return Promise.all(lookups).then(function (found) {
        var required = found.slice(0, terms.length);
        var bonuses = found.slice(terms.length);
        var cut = required.some(function (f) { return f.cut; });
        required.sort(function (a, b) { return a.hits.size - b.hits.size; });
        // A record whose whole name was typed (the literal, or the words run
        // together) is a result even where a query word misses it: a very
        // common word's list was cut to its best records, or the query split
        // into other words (`getItem2` is `get`, `item2`; the name
        // `get_item_2` is `get`, `item`, `2`).
        var whole = new Map();
        bonuses.forEach(function (bonus) {
          bonus.hits.forEach(function (hit, id) { if (hit[2]) whole.set(id, hit[1]); });
        });
        var candidates = new Map();
        required[0].hits.forEach(function (hit, id) { candidates.set(id, hit[1]); });
        whole.forEach(function (facet, id) { candidates.set(id, facet); });
        var ranked = [];
        candidates.forEach(function (facet, id) {
          if (!accepts(m, facet, want)) return;
          var score = 0;
          for (var i = 0; i < required.length; i++) {
            var hit = required[i].hits.get(id);
            if (hit) score += hit[0];
            else if (!whole.has(id)) return;
          }
          bonuses.forEach(function (bonus) {
            var extra = bonus.hits.get(id);
            if (extra) score += extra[0];
          });
          ranked.push([score, id]);
        });
        ranked.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
        return {
          m: m,
          ids: ranked.map(function (r) { return r[1]; }),
          total: ranked.length,
          floor: cut && ranked.length > 0,
          browse: false
        };
      });
    });
  };

  // The first SHOWN results of `query` under `filters`, as records, with
  // how many there are and whether that count is a floor.
  Index.prototype.search = function (query, filters, base) {
    var self = this;
    return this.rank(query, filters).then(function (found) {
      return self.records(found.m, found.ids.slice(0, SHOWN), base).then(function (datas) {
        return { datas: datas, total: found.total, floor: found.floor };
      });
    });
  };

  var indexes = {};
  // The index under `root` (a form's `data-search`), loaded once per page
  // on first use.
  function load(root) {
    if (!indexes[root]) {
      indexes[root] = new Index(root);
      indexes[root].ready.catch(function () { delete indexes[root]; });
    }
    return indexes[root];
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

  // One result as a link: title, kind, risk and category, where it is,
  // and the excerpt, every piece of record text inserted as text.
  function hitLink(d, words) {
    var meta = d.meta || {};
    var a = document.createElement("a");
    a.className = "search-hit";
    a.href = d.url;
    var head = document.createElement("span");
    head.className = "hit-head";
    var title = document.createElement("span");
    // A tool is named by its name, as every list of the site names it.
    title.className = meta.kind === "tool" ? "hit-title mono" : "hit-title";
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
      marked(w, where.join(" \u00b7 "), words);
      a.appendChild(w);
    }
    if (meta.excerpt) {
      var ex = document.createElement("span");
      ex.className = "hit-excerpt";
      marked(ex, meta.excerpt, words);
      a.appendChild(ex);
    }
    return a;
  }

  // The address of the results page for a query and its filters.
  function resultsUrl(root, query, filters) {
    var params = new URLSearchParams();
    if (query) params.set("q", query);
    if (filters.category) params.set("category", filters.category);
    if (filters.risk) params.set("risk", filters.risk);
    var qs = params.toString();
    return root + (qs ? "?" + qs : "");
  }

  // "3 results", "1 result".
  function results(n) {
    return n === 1 ? "1 result" : n + " results";
  }

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var category = form.querySelector("select[name=category]");
    var risk = form.querySelector("select[name=risk]");
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = form.querySelector(".search-status");
    var base = form.getAttribute("data-base") || "/";
    var root = form.getAttribute("data-search");
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

    function render(datas, total, floor, query, filters) {
      var words = terms(query);
      list.textContent = "";
      datas.forEach(function (d, i) {
        if (!safeUrl(d.url, base)) return;
        var a = hitLink(d, words);
        a.setAttribute("role", "option");
        a.id = prefix + "-hit-" + i;
        list.appendChild(a);
      });
      var listed = options().length;
      // More than the list holds: the last option opens the results page.
      if (listed && (floor || total > listed)) {
        var all = document.createElement("a");
        all.setAttribute("role", "option");
        all.id = prefix + "-hit-all";
        all.className = "search-hit search-all";
        all.href = resultsUrl(root, query, filters);
        all.textContent = floor ? "Show all results" : "Show all " + total + " results";
        list.appendChild(all);
      }
      var shown = listed;
      // Which query the list shows, for scripts that drive the box.
      list.setAttribute("data-query", query);
      if (!total) {
        status.textContent = query ? "No results for \u201c" + query + "\u201d." : "No results.";
      } else if (floor) {
        // A very common query word: only its best-scored records are indexed.
        status.textContent = "Showing " + shown + " of " + total + " or more results.";
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
      load(root).search(query, filters, base).then(function (found) {
        if (mine !== run) return;
        busy = false;
        render(found.datas, found.total, found.floor, query, filters);
        if (openWhenReady) {
          openWhenReady = false;
          go();
        }
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
    input.addEventListener("focus", function () { load(root).ready.catch(function () {}); });
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

  // Results shown on the results page per step of "Show more".
  var PAGE = 50;

  // The results page (search/?q=…&category=…&risk=…): every result of the
  // query in the address, PAGE at a time; its own box changes the query
  // and the address together.
  function setupPage(section) {
    var root = section.getAttribute("data-search-page");
    var base = section.getAttribute("data-base") || "/";
    var form = section.querySelector("form");
    var input = form.querySelector("input[name=q]");
    var category = form.querySelector("select[name=category]");
    var risk = form.querySelector("select[name=risk]");
    var status = section.querySelector(".search-page-status");
    var list = section.querySelector(".search-page-results");
    var more = section.querySelector(".search-more");
    var title = document.title;
    var run = 0;
    var next = null;

    // A select keeps a value from the address only when it offers it.
    function choose(select, value) {
      if (!select) return;
      select.value = value || "";
      if (select.value !== (value || "")) select.value = "";
    }

    function fromAddress() {
      var params = new URLSearchParams(location.search);
      input.value = params.get("q") || "";
      choose(category, params.get("category"));
      choose(risk, params.get("risk"));
    }

    function filters() {
      var f = {};
      if (category && category.value) f.category = category.value;
      if (risk && risk.value) f.risk = risk.value;
      return f;
    }

    function said(found, shown, query) {
      var what = query ? " for \u201c" + query + "\u201d" : "";
      if (!found.total) return "No results" + what + ".";
      if (found.floor) {
        return results(found.total) + " or more" + what + ": a word of the query is on so many " +
          "records that the index keeps only the best matches. Add a word to find the rest.";
      }
      if (found.browse && found.total > found.ids.length) {
        return "The " + shown + " most severe of " + found.total + " matching records, with no " +
          "query words. Add a word to search them, or browse the category and risk pages, " +
          "which list every tool.";
      }
      if (shown < found.total) return "Showing " + shown + " of " + results(found.total) + what + ".";
      return results(found.total) + what + ".";
    }

    function show() {
      var query = input.value.trim();
      var f = filters();
      var mine = ++run;
      list.textContent = "";
      more.hidden = true;
      next = null;
      document.title = query ? "\u201c" + query + "\u201d \u2013 " + title : title;
      if (!query && !f.category && !f.risk) {
        status.textContent = "Type the name of a tool, a server or an attack, or choose a category or a risk level.";
        return;
      }
      status.textContent = "Searching\u2026";
      var words = terms(query);
      load(root).rank(query, f).then(function (found) {
        if (mine !== run) return;
        var shown = 0;
        next = function () {
          var ids = found.ids.slice(shown, shown + PAGE);
          more.disabled = true;
          return load(root).records(found.m, ids, base).then(function (datas) {
            if (mine !== run) return null;
            var first = null;
            datas.forEach(function (d) {
              if (!safeUrl(d.url, base)) return;
              var li = document.createElement("li");
              var a = hitLink(d, words);
              li.appendChild(a);
              list.appendChild(li);
              if (!first) first = a;
            });
            shown += ids.length;
            list.setAttribute("data-query", query);
            status.textContent = said(found, shown, query);
            more.disabled = false;
            more.hidden = shown >= found.ids.length;
            if (!more.hidden) {
              more.textContent = "Show " + Math.min(PAGE, found.ids.length - shown) + " more results";
            }
            return first;
          });
        };
        return next();
      }).catch(function () {
        if (mine !== run) return;
        status.textContent = "Search is unavailable right now; browse the server list instead.";
      });
    }

    more.addEventListener("click", function () {
      if (!next) return;
      next().then(function (first) {
        // Keyboard readers go on from the first new result.
        if (first) first.focus();
      });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var url = resultsUrl(root, input.value.trim(), filters());
      if (url !== location.pathname + location.search) history.pushState(null, "", url);
      show();
    });
    [category, risk].forEach(function (s) {
      if (s) s.addEventListener("change", function () { form.requestSubmit(); });
    });
    window.addEventListener("popstate", function () {
      fromAddress();
      show();
    });
    fromAddress();
    form.hidden = false;
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.search[data-search]").forEach(setup);
    document.querySelectorAll("[data-search-page]").forEach(setupPage);
  });
})();
