/* cppcc-search: small enhancements only. Every feature works without this file:
   links and GET forms carry the whole state in the URL. */
(function () {
  "use strict";

  function isTyping(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  // "/" focuses the search box, as on most search sites.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(document.activeElement)) return;
    var box = document.getElementById("q");
    if (box) {
      ev.preventDefault();
      box.focus();
      box.select();
    }
  });

  // Empty fields stay out of the URL, so shared links stay short: ?q=协商 rather than ?q=协商&year_from=&year_to=.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form || form.method.toLowerCase() !== "get") return;
    var from = form.elements.namedItem("year_from");
    var to = form.elements.namedItem("year_to");
    if (from && to && from.value && to.value && Number(from.value) > Number(to.value)) {
      var tmp = from.value;
      from.value = to.value;
      to.value = tmp;
    }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "q" && !el.disabled && el.value === "") el.disabled = true;
    });
  });

  // After the back button restores a form whose fields we disabled, enable them again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form [disabled]"), function (el) {
      el.disabled = false;
    });
  });

  // Document view: "n" / "p" jump to the next / previous highlighted paragraph.
  var matches = Array.prototype.slice.call(document.querySelectorAll(".doc-body .para.matched"));
  if (matches.length) {
    document.addEventListener("keydown", function (ev) {
      if ((ev.key !== "n" && ev.key !== "p") || ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(document.activeElement)) return;
      var current = document.getElementById(location.hash.slice(1));
      var index = current ? matches.indexOf(current) : -1;
      var next = ev.key === "n" ? index + 1 : index - 1;
      if (index === -1 && ev.key === "p") next = matches.length - 1;
      var target = matches[(next + matches.length) % matches.length];
      location.hash = target.id; // a real fragment: :target styling, and the back button walks the jumps
    });
  }
})();

// 引用: copy a citation with one click (the text stays selectable without JavaScript).
(function () {
  "use strict";
  function copied(button) {
    button.classList.add("is-done");
    button.textContent = "已复制";
    setTimeout(function () { button.classList.remove("is-done"); button.textContent = "复制"; }, 2000);
  }
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("button[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { fallback(); });
    } else {
      fallback();
    }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      try { if (document.execCommand("copy")) copied(button); } catch (e) { /* the text stays selected */ }
    }
  });
  // The figures table opens on its newest years (it reads oldest to newest, left to right).
  Array.prototype.forEach.call(document.querySelectorAll(".figure-scroll"), function (el) {
    el.scrollLeft = el.scrollWidth;
  });
})();
