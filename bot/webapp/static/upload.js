/* The upload page's progress bar: sends the same form with XMLHttpRequest to show how far
   the upload is, then shows the page the server answers. Without JavaScript the form posts
   normally and the same pages come back. */
(function () {
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var input = document.getElementById("file");
  var drop = document.getElementById("drop");
  var chosen = document.getElementById("chosen");
  var bar = document.getElementById("progress");
  var status = document.getElementById("status");
  var send = document.getElementById("send");

  function showName() {
    chosen.textContent = input.files && input.files.length ? input.files[0].name : "";
  }
  input.addEventListener("change", showName);
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.className = "drop over"; });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.className = "drop"; });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      showName();
    }
  });

  form.addEventListener("submit", function (e) {
    if (!input.files || !input.files.length) { return; }
    e.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", window.location.pathname);
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable) {
        var pct = Math.round(ev.loaded * 100 / ev.total);
        bar.value = pct;
        status.textContent = form.getAttribute("data-sending") + " " + pct + "%";
      }
    };
    xhr.onload = function () {
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      send.disabled = false;
      bar.hidden = true;
      status.textContent = form.getAttribute("data-failed");
    };
    bar.hidden = false;
    bar.value = 0;
    send.disabled = true;
    status.textContent = form.getAttribute("data-sending");
    xhr.send(new FormData(form));
  });
})();
