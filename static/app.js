// Small behaviours that need no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  // GOV.UK pattern: move focus to the error summary, on load and after an htmx swap.
  function focusErrors(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }

  // Ask before destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);

  // Choosing a file must not save the row it sits in: the upload has its own button.
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest(".evidence-add")) { event.stopPropagation(); }
  }, true);

  function messageFor(elt, text) {
    var box = elt.closest(".evidence-add");
    var slot = box && box.querySelector(".ev-msg");
    if (slot) { slot.textContent = text; }
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

  // Errors htmx does not swap (a request too large for the server, a lost connection).
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var text = status === 413 ? "Tệp quá lớn, máy chủ từ chối nhận." :
      status === 401 ? "Phiên đăng nhập đã hết: đăng nhập lại ở thẻ khác rồi lưu lại." :
      "Chưa lưu được (lỗi " + status + "). Dữ liệu bạn nhập vẫn còn trên trang; hãy thử lại.";
    messageFor(event.detail.elt, text);
    var row = event.detail.elt.closest && event.detail.elt.closest(".entry-row");
    var status_slot = row && row.querySelector(".status");
    if (status_slot) { status_slot.textContent = text; status_slot.classList.add("error"); }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var row = event.detail.elt.closest && event.detail.elt.closest(".entry-row");
    var slot = row && row.querySelector(".status");
    if (slot) { slot.textContent = "Mất kết nối tới máy chủ: chưa lưu. Dữ liệu vẫn còn trên trang, hãy thử lại."; }
  });

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

  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrors(event.target); });
})();
