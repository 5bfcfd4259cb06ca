// 相关段落: a paragraph's toggle fetches /api/related/<paragraph id> the first time it opens.
// Text goes in as text; the snippet is HTML the server escaped and marked.
(function () {
  "use strict";
  function where(r) {
    var parts = [r.province, r.city, r.district].filter(Boolean).join(" › ") || "地区不详";
    return r.year ? parts + " · " + r.year + " 年度" : parts;
  }
  function render(body, data) {
    body.textContent = "";
    if (!data.related || !data.related.length) {
      var none = document.createElement("p");
      none.className = "facet-empty";
      none.textContent = "其他地区或其他年度没有相近的段落。";
      body.appendChild(none);
      return;
    }
    var ol = document.createElement("ol");
    ol.className = "related-list";
    data.related.forEach(function (r) {
      var li = document.createElement("li");
      var w = document.createElement("span");
      w.className = "rel-where";
      w.textContent = where(r);
      var a = document.createElement("a");
      a.href = "/doc/" + encodeURIComponent(r.article_id) + "#p" + r.paragraph_id.split("-p").pop();
      a.textContent = r.title;
      var s = document.createElement("div");
      s.className = "snippet";
      s.innerHTML = r.snippet;  // escaped by the server (search.snippets)
      li.appendChild(w); li.appendChild(a); li.appendChild(s);
      ol.appendChild(li);
    });
    body.appendChild(ol);
  }
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.classList || !d.classList.contains("related") || !d.open || d.dataset.loaded) return;
    d.dataset.loaded = "1";
    var body = d.querySelector(".related-body");
    fetch(d.dataset.api, {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) { render(body, data); })
      .catch(function () { d.dataset.loaded = ""; });
  }, true);
})();
