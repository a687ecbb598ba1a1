/* Imprint dashboard: infinite scroll in the gallery, the live OG preview, copy buttons.
   Plain JavaScript, no library; every page works without it (links and forms still do). */
(function () {
  "use strict";

  /* Gallery: when the sentinel at the end of the grid comes into view, fetch the next page
     (an HTML fragment of the same cards) and append it. The "Older images" link is the fallback. */
  function infiniteScroll() {
    var grid = document.getElementById("gallery");
    if (!grid || !("IntersectionObserver" in window)) return;
    var more = document.getElementById("more-link");
    if (more) more.parentNode.hidden = true;
    var loading = false;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) load(entry.target);
      });
    }, { rootMargin: "600px 0px" });

    function watch() {
      var sentinel = grid.querySelector(".sentinel[data-next-url]");
      if (sentinel) observer.observe(sentinel);
    }

    function load(sentinel) {
      if (loading) return;
      loading = true;
      observer.unobserve(sentinel);
      fetch(sentinel.getAttribute("data-next-url"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || !response.ok) throw new Error("page " + response.status);
          return response.text();
        })
        .then(function (html) {
          sentinel.remove();
          grid.insertAdjacentHTML("beforeend", html);
          grid.setAttribute("data-pages", String(Number(grid.getAttribute("data-pages") || "1") + 1));
          loading = false;
          watch();
        })
        .catch(function () {
          loading = false;
          if (more) more.parentNode.hidden = false; /* fall back to the link */
        });
    }
    watch();
  }

  /* OG page: rebuild the card URL from the form as the user types, show it and the og:image tag. */
  function ogPreview() {
    var form = document.getElementById("og-form");
    if (!form) return;
    var img = document.getElementById("og-preview");
    var error = document.getElementById("og-error");
    var urlField = document.getElementById("og-url");
    var metaUrl = document.getElementById("og-meta-url");
    var cardBase = form.getAttribute("data-card-base");
    var publicBase = form.getAttribute("data-public-base");
    var timer = null;

    function cardPath() {
      var params = new URLSearchParams();
      ["seed", "aspect", "quote", "author", "shapes"].forEach(function (name) {
        var value = form.elements[name].value;
        if (name === "quote" || name === "author") value = value.trim();
        if (value !== "") params.set(name, value);
      });
      return cardBase + "?" + params.toString();
    }

    function update() {
      var path = cardPath();
      var pageParams = path.slice(path.indexOf("?"));
      history.replaceState(null, "", form.getAttribute("action") + pageParams);
      img.hidden = false;
      img.src = path;
      urlField.value = publicBase + path;
      metaUrl.textContent = publicBase + path;
    }

    img.addEventListener("load", function () {
      error.hidden = true;
      img.setAttribute("data-loaded-src", img.getAttribute("src"));
    });
    img.addEventListener("error", function () {
      /* The card endpoint answers 400 with a JSON message naming the field: show it. */
      fetch(img.src, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) { error.textContent = body.message || "This card cannot be drawn."; })
        .catch(function () { error.textContent = "This card cannot be drawn."; })
        .then(function () { error.hidden = false; img.hidden = true; });
    });
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      update();
    });
    if (img.complete && img.naturalWidth) img.setAttribute("data-loaded-src", img.getAttribute("src"));
  }

  /* Copy buttons: copy the value of the field they name. */
  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy"));
        field.select();
        var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done);
        } else if (document.execCommand("copy")) {
          done();
        }
      });
    });
  }

  /* Create: the chosen template's variables appear as fields; the others are hidden and not sent. */
  function templatePicker() {
    var picker = document.querySelector("[data-template-picker]");
    if (!picker) return;
    function show() {
      document.querySelectorAll("fieldset[data-template]").forEach(function (set) {
        var on = set.getAttribute("data-template") === picker.value;
        set.hidden = !on;
        set.disabled = !on;
      });
    }
    picker.addEventListener("change", show);
    show();
  }

  /* Create with Redis: poll the queued job and put its result on the page when it is done. */
  function jobPoller() {
    var box = document.getElementById("job");
    if (!box) return;
    var url = box.getAttribute("data-job-url");
    var status = document.getElementById("job-status");
    var elapsed = document.getElementById("job-elapsed");
    var started = Date.now();
    var ticker = setInterval(function () { elapsed.textContent = String(Math.round((Date.now() - started) / 1000)); }, 500);
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("job " + response.status);
          return response.json();
        })
        .then(function (job) {
          status.textContent = job.status;
          box.setAttribute("data-status", job.status);
          if (job.done) {
            clearInterval(ticker);
            if (job.html) box.outerHTML = job.html;
            return;
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }

  /* Datasets: files dropped on the zone go into its file input, and the form is sent. */
  function dropZones() {
    document.querySelectorAll("[data-drop-zone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      var form = zone.closest("form");
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!event.dataTransfer || !event.dataTransfer.files.length) return;
        input.files = event.dataTransfer.files;
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  }

  /* Buttons that ask before they act (revoke, disable, remove). */
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    infiniteScroll();
    ogPreview();
    copyButtons();
    templatePicker();
    jobPoller();
    dropZones();
    confirmations();
  });
})();
