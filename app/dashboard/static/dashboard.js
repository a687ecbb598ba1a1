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

  /* OG page: the preview and the public card URL follow the form as the user types. */
  function ogPreview() {
    var form = document.getElementById("og-form");
    if (!form) return;
    var img = document.getElementById("og-preview");
    var error = document.getElementById("og-error");
    var urlField = document.getElementById("og-url");
    var metaUrl = document.getElementById("og-meta-url");
    var metaTag = document.getElementById("og-meta-tag");
    var previewBase = form.getAttribute("data-preview-base");
    var publicBase = form.getAttribute("data-public-base");
    var signUrl = form.getAttribute("data-sign-url");
    var templatePath = form.getAttribute("data-template-path");
    var templateDefaults = JSON.parse(form.getAttribute("data-template-defaults") || "{}");
    var textFields = ["title", "description", "site", "badge", "quote", "author", "lang"];
    var defaults = { aspect: "default", layout: "quote", font: "dejavu", theme: "auto", shapes: "12" };
    var timer = null;

    function value(name) {
      var field = form.elements[name];
      if (!field) return "";
      if (field.type === "checkbox") return field.checked ? field.value : "";
      return textFields.indexOf(name) >= 0 ? field.value.trim() : field.value;
    }

    function previewPath() {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && value(field.name) !== "") params.set(field.name, value(field.name));
      });
      return previewBase + "?" + params.toString();
    }

    function publicPath() {
      var params = new URLSearchParams();
      var seed = encodeURIComponent(value("seed"));
      if (templatePath) {
        textFields.forEach(function (name) {
          if (value(name) !== "" && value(name) !== (templateDefaults[name] || "")) params.set(name, value(name));
        });
        var query = params.toString();
        return templatePath + seed + ".png" + (query ? "?" + query : "");
      }
      ["aspect", "layout", "font", "theme", "shapes"].concat(textFields).forEach(function (name) {
        if (value(name) !== "" && value(name) !== defaults[name]) params.set(name, value(name));
      });
      var rest = params.toString();
      return "/og/" + seed + ".png" + (rest ? "?" + rest : "");
    }

    function showPublic(path) {
      var url = publicBase + path;
      urlField.value = url;
      metaUrl.textContent = url;
      metaTag.value = '<meta property="og:image" content="' + url + '">';
      if (!signUrl || path.indexOf("sig=") >= 0) return;
      /* The operator requires signed card URLs: the server signs (the page holds no key). */
      fetch(signUrl + "?path=" + encodeURIComponent(path), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) { if (body && body.url !== path && path === publicPath()) showPublic(body.url); });
    }

    function update() {
      var preview = previewPath();
      history.replaceState(null, "", form.getAttribute("action") + preview.slice(preview.indexOf("?")));
      img.hidden = false;
      img.src = preview;
      showPublic(publicPath());
      document.querySelectorAll("#og-save [data-from]").forEach(function (hidden) {
        hidden.value = value(hidden.getAttribute("data-from"));
      });
    }

    img.addEventListener("load", function () {
      error.hidden = true;
      img.setAttribute("data-loaded-src", img.getAttribute("src"));
    });
    img.addEventListener("error", function () {
      /* The preview answers 400 with a JSON message naming the field: show it. */
      fetch(img.src, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) { error.textContent = body.message || "This card cannot be drawn."; })
        .catch(function () { error.textContent = "This card cannot be drawn."; })
        .then(function () { error.hidden = false; img.hidden = true; });
    });
    form.elements.template.addEventListener("change", function () {
      /* Another template: load its design and defaults from the server. */
      var params = new URLSearchParams({ template: form.elements.template.value, seed: value("seed") });
      window.location.assign(form.getAttribute("action") + "?" + params.toString());
    });
    form.addEventListener("input", function (event) {
      if (event.target.name === "template") return;
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

  /* A table that scrolls sideways (at phone width) takes the keyboard focus, so the keyboard can
     scroll it too (WCAG 2.1.1); one that fits does not add a stop to the tab order. */
  function scrollableRegions() {
    function mark() {
      document.querySelectorAll(".table, .table-scroll").forEach(function (region) {
        var scrolls = region.scrollWidth > region.clientWidth + 1;
        if (scrolls && !region.hasAttribute("tabindex")) {
          region.setAttribute("tabindex", "0");
          region.setAttribute("data-scroll-focus", "");
        } else if (!scrolls && region.hasAttribute("data-scroll-focus")) {
          region.removeAttribute("tabindex");
          region.removeAttribute("data-scroll-focus");
        }
      });
    }
    mark();
    window.addEventListener("resize", mark);
  }

  /* Gallery: a full-screen viewer (a modal dialog: the keyboard stays in it, Esc closes it and the
     focus returns to the View button); ← and → move through the images on the page. */
  function viewer() {
    var dialog = document.getElementById("viewer");
    if (!dialog || !dialog.showModal) return;
    var image = document.getElementById("viewer-image");
    var caption = document.getElementById("viewer-caption");
    var open = document.getElementById("viewer-open");
    var opener = null;
    var index = 0;

    function buttons() { return Array.prototype.slice.call(document.querySelectorAll("#gallery button.view")); }

    function show(at) {
      var all = buttons();
      if (!all.length) return;
      index = (at + all.length) % all.length;
      var button = all[index];
      image.src = button.getAttribute("data-full");
      image.hidden = false;
      image.alt = button.getAttribute("data-caption");
      caption.textContent = button.getAttribute("data-caption") + " (" + (index + 1) + " of " + all.length + ")";
      open.href = button.getAttribute("data-href");
    }

    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("#gallery button.view") : null;
      if (!button) return;
      opener = button;
      show(buttons().indexOf(button));
      dialog.showModal();
      document.getElementById("viewer-close").focus();
    });
    document.getElementById("viewer-prev").addEventListener("click", function () { show(index - 1); });
    document.getElementById("viewer-next").addEventListener("click", function () { show(index + 1); });
    document.getElementById("viewer-close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Tab") {  /* keep the focus inside: from the last control back to the first */
        var stops = dialog.querySelectorAll("button, a[href]");
        var first = stops[0], last = stops[stops.length - 1];
        if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
        else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
      }
      if (event.key === "ArrowLeft") { show(index - 1); event.preventDefault(); }
      if (event.key === "ArrowRight") { show(index + 1); event.preventDefault(); }
    });
    dialog.addEventListener("close", function () { if (opener) opener.focus(); });
  }

  /* Gallery: how many images are selected, said next to the bulk actions. */
  function selectionCount() {
    var form = document.getElementById("selection");
    var said = document.getElementById("selection-count");
    if (!form || !said) return;
    document.addEventListener("change", function (event) {
      if (event.target.name !== "ids") return;
      var n = document.querySelectorAll("input[name=ids][form=selection]:checked").length;
      said.textContent = n ? n + (n === 1 ? " image selected." : " images selected.")
                           : "Select images to act on several at once.";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollableRegions();
    viewer();
    selectionCount();
    infiniteScroll();
    ogPreview();
    copyButtons();
    templatePicker();
    jobPoller();
    dropZones();
    confirmations();
  });
})();
