// Progressive enhancement only: every journey works without this file.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;
  var list = document.createElement("ul");
  list.className = "suggest-list";
  list.hidden = true;
  list.setAttribute("role", "listbox");
  input.parentNode.appendChild(list);
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { list.hidden = true; return; }
    timer = setTimeout(function () {
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          list.textContent = "";
          (data.items || []).forEach(function (item) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = item.url; a.textContent = item.name;
            li.appendChild(a); list.appendChild(li);
          });
          list.hidden = !list.children.length;
        })
        .catch(function () { list.hidden = true; });
    }, 150);
  });
  document.addEventListener("click", function (e) { if (e.target !== input) list.hidden = true; });
})();

// Search filters (issue 14): one "Lọc" <details> on a phone, open on a wide screen; the sort applies on change
// (without this file its "Xếp" button submits it).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  if (window.matchMedia && window.matchMedia("(min-width: 860px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();

// Copy buttons of the VietQR box (issue 14): without this file the values are plain selectable text.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  var note = document.querySelector("[data-copied-text]");
  document.querySelectorAll("button[data-copy-from]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copyFrom);
    if (!source) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var value = source.dataset.copyValue || source.textContent.trim();
      navigator.clipboard.writeText(value).then(function () {
        button.textContent = note ? note.dataset.copiedText : label;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();

// Address fields (issue 14): the commune's choices follow the province chosen; typing any name still works.
(function () {
  "use strict";
  var select = document.querySelector("select[data-communes-url]");
  if (!select || !window.fetch) return;
  var list = document.getElementById(select.dataset.communesList);
  select.addEventListener("change", function () {
    if (!list) return;
    list.textContent = "";
    if (!select.value) return;
    fetch(select.dataset.communesUrl + select.value, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
      .then(function (data) {
        (data.communes || []).forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        });
      })
      .catch(function () {});
  });
})();

// Confirm before undoing (issue 14): a link to a confirm page opens that page's card in a <dialog> instead of
// leaving the page; its form posts as the page's would. Without this file (or if the page cannot be fetched)
// the link simply opens the confirm page.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || typeof HTMLDialogElement !== "function") return;
  document.querySelectorAll("a[data-confirm-dialog]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
        .then(function (html) {
          var card = new DOMParser().parseFromString(html, "text/html").querySelector(".confirm-page");
          if (!card) throw new Error("no confirm page");
          var dialog = document.createElement("dialog");
          dialog.className = "confirm-dialog";
          dialog.appendChild(document.importNode(card, true));
          var title = dialog.querySelector("h1");
          if (title) { title.id = "confirm-dialog-title"; dialog.setAttribute("aria-labelledby", title.id); }
          var back = dialog.querySelector(".confirm-back");
          if (back) back.addEventListener("click", function (e) { e.preventDefault(); dialog.close(); });
          dialog.addEventListener("close", function () { dialog.remove(); link.focus(); });
          document.body.appendChild(dialog);
          dialog.showModal();
        })
        .catch(function () { window.location.href = link.href; });
    });
  });
})();
