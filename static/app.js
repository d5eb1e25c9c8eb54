// Small behaviours that need no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // GOV.UK pattern: move focus to the error summary, on load and after an htmx swap.
  function focusErrors(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }

  // Ask before destructive actions: <form data-confirm="…">. Stopping the event here, in the
  // capture phase, also keeps it from htmx's own listener on an hx-post form.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopPropagation(); }
  }, true);

  // A long <select> (the unit picker) filtered as one types, without accents or case:
  // <input data-filter-select="id-of-the-select">. Non-matching options and empty groups hide.
  function fold(text) {
    return text.replace(/[đĐ]/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.addEventListener("input", function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-filter-select");
    var select = id && document.getElementById(id);
    if (!select) { return; }
    var words = fold(event.target.value).split(/\s+/).filter(Boolean);
    select.querySelectorAll("option").forEach(function (option) {
      var text = fold(option.textContent);
      option.hidden = Boolean(option.value) && !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    select.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
  });

  // Choosing a file must not save the row it sits in: the upload has its own button.
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest(".evidence-add")) { event.stopPropagation(); }
  }, true);

  // The evidence panel's own (assertive) message slot; false where elt is not in one.
  function messageFor(elt, text) {
    var box = elt.closest(".evidence-add");
    var slot = box && box.querySelector(".ev-msg");
    if (slot) { slot.textContent = text; }
    return !!slot;
  }

  // Refuse a file over the limit before sending it, with the same words as the server.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = event.detail.elt.closest && event.detail.elt.closest(".evidence-add");
    if (!box) { return; }
    var input = box.querySelector("input[type=file]");
    var limit = input && Number(input.getAttribute("data-max-bytes"));
    if (input && input.files.length && limit && input.files[0].size > limit) {
      event.preventDefault();
      messageFor(event.detail.elt, "Tệp vượt quá giới hạn " + Math.round(limit / 1048576) + " MB.");
      return;
    }
    messageFor(event.detail.elt, "");
  });

  // Upload progress bar.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var box = event.target.closest && event.target.closest(".evidence-add");
    var bar = box && box.querySelector(".upload-progress");
    if (bar && event.detail.lengthComputable) {
      bar.hidden = false;
      bar.value = Math.round(100 * event.detail.loaded / event.detail.total);
    }
  });

  // The session ended while the form was open: say so once, keep what was typed, and offer to
  // save the rows that did not save after the user has logged in again in another tab.
  function sessionExpired(row) {
    if (row) { row.classList.add("unsaved"); }
    var box = document.getElementById("session-expired");
    if (!box || box.childElementCount) { return; }
    var panel = document.createElement("div");
    panel.className = "flash flash-error";
    panel.setAttribute("role", "alert");
    panel.appendChild(document.createTextNode("Phiên đăng nhập đã hết, các ô vừa nhập chưa được lưu nhưng vẫn còn trên trang. "));
    var link = document.createElement("a");
    link.href = "/login";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Đăng nhập lại (mở thẻ mới)";
    panel.appendChild(link);
    panel.appendChild(document.createTextNode(", rồi bấm "));
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button small";
    retry.textContent = "Lưu lại các ô chưa lưu";
    retry.addEventListener("click", function () {
      // The new session has a new CSRF token: fetch it, then resend the rows that did not save.
      fetch("/csrf-token", {credentials: "same-origin", headers: {"HX-Request": "true"}})
        .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer); })
        .then(function (data) {
          document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": data.token}));
          document.querySelectorAll(".entry-row.unsaved").forEach(function (pending) {
            pending.classList.remove("unsaved");
            htmx.trigger(pending, "change");
          });
          box.textContent = "";
        })
        .catch(function () {
          retry.textContent = "Bạn chưa đăng nhập lại — đăng nhập ở thẻ mới rồi bấm lại";
        });
    });
    panel.appendChild(retry);
    box.appendChild(panel);
  }

  // Row saves said aloud: the row is redrawn whole (outerHTML), and a live region inside it would
  // be new each time, which screen readers do not reliably read. The page's one polite region
  // (#row-announce, entry/form.html) says which row and what its status line now says, with the
  // first of its errors; the errors htmx does not swap say their text (see below).
  function say(text) {
    var region = document.getElementById("row-announce");
    if (!region || !text) { return; }
    // Emptied first, so that the same words twice (two saves in a minute) are read twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  function clean(text) { return (text || "").replace(/\s+/g, " ").trim(); }
  function announceRow(row, text) {
    if (!row || !row.id) { return; }
    say("Chỉ tiêu " + row.id.replace(/^row-/, "") + ": " + clean(text));
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var old = event.detail.target;
    if (!old || !old.classList || !old.classList.contains("entry-row") || !old.id) { return; }
    var row = document.getElementById(old.id);
    // htmx says afterSettle on each element it settled (the row, then the totals it sent out
    // of band), all with the same target: only the new row's own event speaks, else it is said
    // three times.
    if (!row || row === old || event.target !== row) { return; }
    // What changed: a conflict, else what an evidence change did («Đã tải lên …»), else the
    // row's status line with a field's own error (id «…-err»: not the evidence panel's message
    // slot, nor the row's role=alert line, which the screen reader reads by itself).
    var conflict = row.querySelector(".conflict strong");
    var evidence = row.querySelector(".evidence p.saved");
    var status = row.querySelector(".status");
    var error = row.querySelector('p.error[id$="-err"]');
    var text = conflict ? conflict.textContent : evidence ? evidence.textContent :
      status ? status.textContent : "";
    if (error && !conflict) { text = clean(text) + " " + clean(error.textContent); }
    // The form's progress, as the totals panel now shows it (swapped in with the row).
    var progress = document.getElementById("summary-progress");
    if (clean(text) && progress) { text = clean(text).replace(/\.?$/, ". ") + clean(progress.textContent) + "."; }
    if (clean(text)) { announceRow(row, text); }
  });

  // Errors htmx does not swap (a request too large for the server, a lost connection).
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var row = event.detail.elt.closest && event.detail.elt.closest(".entry-row");
    if (status === 401) {
      sessionExpired(row);
      return;
    }
    var plain = (event.detail.xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
    var text = plain && event.detail.xhr.responseText ? event.detail.xhr.responseText :
      status === 413 ? "Tệp quá lớn, máy chủ từ chối nhận." :
      "Chưa lưu được (lỗi " + status + "). Dữ liệu bạn nhập vẫn còn trên trang; hãy thử lại.";
    // An evidence upload says it in its panel's assertive slot: not a second time politely.
    rowStatus(row, text, true, messageFor(event.detail.elt, text));
  });
  // Saved, but the database went away before the row could be drawn again (web/entry.py).
  document.addEventListener("chiso:saved-not-redrawn", function (event) {
    rowStatus(event.target.closest && event.target.closest(".entry-row"), event.detail.value, false);
  });
  document.addEventListener("htmx:sendError", function (event) {
    rowStatus(event.detail.elt.closest && event.detail.elt.closest(".entry-row"),
              "Mất kết nối tới máy chủ: chưa lưu. Dữ liệu vẫn còn trên trang, hãy thử lại.", true);
  });
  // A row htmx did not redraw: its status line says what happened, and so does the live region.
  function rowStatus(row, text, isError, saidAlready) {
    var slot = row && row.querySelector(".status");
    if (slot) { slot.textContent = text; slot.classList.toggle("error", isError); }
    if (!saidAlready) { announceRow(row, text); }
  }

  // Drag and drop onto an upload zone fills its file input.
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) { event.preventDefault(); zone.classList.add("dragging"); }
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) { zone.classList.remove("dragging"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("dragging");
    var input = zone.querySelector("input[type=file]");
    if (input && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
  });

  // An htmx swap keeps the page's <title>: prefix it with "Lỗi: " while an error summary shows,
  // as the server does for whole pages, and drop the prefix once the errors are gone.
  var ERROR_PREFIX = "Lỗi: ";
  function markTitle() {
    var failing = document.querySelector(".error-summary, .flash-error[data-autofocus]") !== null;
    var marked = document.title.indexOf(ERROR_PREFIX) === 0;
    if (failing && !marked) { document.title = ERROR_PREFIX + document.title; }
    if (!failing && marked) { document.title = document.title.slice(ERROR_PREFIX.length); }
  }

  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrors(event.target); });
  // A swap that shows another page (the next indicator) carries that page's title.
  document.addEventListener("htmx:afterSettle", function (event) {
    var named = event.target.getAttribute && event.target.getAttribute("data-page-title");
    if (named) { document.title = named; }
    markTitle();
  });

  // Appraisal: "j" / "k" open the next / previous indicator (links marked data-nav), unless the
  // user is typing; the links also carry accesskey for those who prefer it.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName)) { return; }
    var which = event.key === "j" ? "next" : event.key === "k" ? "prev" : null;
    var link = which && document.querySelector("[data-nav=" + which + "]");
    if (link) { event.preventDefault(); link.click(); }
  });
})();

// The light form: a row's «Chi tiết» link (which, without JavaScript, opens the form with that
// row drawn whole) becomes the row's <details>, its body (explanation, evidence panel, history)
// loaded from the link's address. The summary takes the link's id: the focus stays on it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.more-link");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    var more = document.createElement("details");
    more.className = "row-more";
    more.open = true;
    var summary = document.createElement("summary");
    summary.id = link.id;
    summary.textContent = link.textContent;
    var body = document.createElement("div");
    body.className = "more-body";
    body.textContent = "Đang tải…";
    more.appendChild(summary);
    more.appendChild(body);
    link.replaceWith(more);
    summary.focus();
    htmx.ajax("GET", link.getAttribute("href").split("#")[0], {target: body, swap: "innerHTML"});
  });
})();

// Ways around a long form (entry/form.html): "next incomplete row", "only what is missing", a
// warning before leaving with typing not yet saved, and fraction rows that wait for both numbers.
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".entry-row")); }
  var lastRow = null;  // clicking the link takes the focus: remember the row the user was in
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest(".entry-row");
    if (row) { lastRow = row.id; }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#next-missing");
    if (!link) { return; }
    // The first missing row below the one the user was last in (or below the top of the screen).
    var here = lastRow && document.getElementById(lastRow);
    var top = here ? here.getBoundingClientRect().bottom : 1;
    var next = rows().filter(function (row) {
      return row.hasAttribute("data-missing") && row.getBoundingClientRect().top >= top;
    })[0] || document.querySelector(".entry-row[data-missing]");
    if (!next) { return; }
    event.preventDefault();
    var section = next.closest("details");
    if (section && !section.open) { section.open = true; }
    next.scrollIntoView({block: "start"});
    var field = next.querySelector("input:not([type=hidden]):not([disabled]), textarea:not([disabled])");
    if (field) { field.focus({preventScroll: true}); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.id !== "only-missing") { return; }
    document.body.classList.toggle("only-missing", event.target.checked);
  });

  // Typing not yet saved: a field changed and its row not answered yet.
  var dirty = new Set();
  document.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest(".entry-row");
    if (row && !event.target.closest(".evidence-add")) { dirty.add(row.id); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.detail.target;
    if (row && row.id && row.classList.contains("entry-row") &&
        event.detail.xhr && event.detail.xhr.status === 200) { dirty.delete(row.id); }
  });
  document.addEventListener("submit", function () { dirty.clear(); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) { event.preventDefault(); event.returnValue = ""; }
  });

  // A fraction row saves (and may complain) only once both numbers are there, or when the
  // user leaves the row: not on the numerator's Tab, before the denominator was reached.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-fraction")) { return; }
    var row = input.closest(".entry-row");
    var pair = row.querySelectorAll("[data-fraction]");
    var empty = Array.prototype.some.call(pair, function (each) { return each.value.trim() === ""; });
    var both = Array.prototype.every.call(pair, function (each) { return each.value.trim() === ""; });
    if (empty && !both) { event.stopPropagation(); row.setAttribute("data-pending", ""); }
  }, true);
  document.addEventListener("focusout", function (event) {
    var row = event.target.closest && event.target.closest(".entry-row[data-pending]");
    if (!row || (event.relatedTarget && row.contains(event.relatedTarget))) { return; }
    row.removeAttribute("data-pending");
    htmx.trigger(row, "change");
  });
})();
