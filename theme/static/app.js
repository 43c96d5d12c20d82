/* Decant storefront script: cart in localStorage, catalog filters, live stock,
   checkout and tracking against the shop's /api. Pages read fine without it. */
(function () {
  "use strict";
  var CART_KEY = "decant.cart";
  var SID_KEY = "decant.sid";
  var body = document.body;
  var kind = body.getAttribute("data-page");

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function store(key, value) {
    try {
      if (value === undefined) { return window.localStorage.getItem(key); }
      window.localStorage.setItem(key, value);
    } catch (e) { return null; }
    return value;
  }
  function money(cents) {
    var currency = body.getAttribute("data-currency") || "EUR";
    try {
      return new Intl.NumberFormat("en-IE", { style: "currency", currency: currency }).format(cents / 100);
    } catch (e) { return (cents / 100).toFixed(2) + " " + currency; }
  }
  function sessionId() {
    var sid = store(SID_KEY);
    if (!sid) {
      sid = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
      store(SID_KEY, sid);
    }
    return sid;
  }
  function beacon(type, slug, data) {
    try {
      var payload = { type: type, session_id: sessionId() };
      if (slug) { payload.product_slug = slug; }
      if (data) { payload.data = data; }
      if (navigator.sendBeacon) {
        navigator.sendBeacon("/api/events", new Blob([JSON.stringify(payload)], { type: "application/json" }));
      }
    } catch (e) { /* analytics must never break the page */ }
  }
  function api(method, url, payload, headers) {
    var init = { method: method, headers: Object.assign({ Accept: "application/json" }, headers || {}) };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(url, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok || !json.success) {
          var err = new Error((json.error && json.error.message) || ("Request failed (" + res.status + ")"));
          err.code = json.error && json.error.code;
          err.details = json.error && json.error.details;
          throw err;
        }
        return json.data;
      });
    });
  }

  /* ---- cart ---- */
  function readCart() {
    try {
      var lines = JSON.parse(store(CART_KEY) || "[]");
      return Array.isArray(lines) ? lines.filter(function (l) { return l && l.quantity > 0 && (l.set || (l.slug && l.size_ml > 0)); }) : [];
    } catch (e) { return []; }
  }
  function writeCart(lines) {
    store(CART_KEY, JSON.stringify(lines));
    showCount();
  }
  function addToCart(item) {
    var lines = readCart();
    var found = lines.filter(function (l) { return l.slug === item.slug && Number(l.size_ml) === Number(item.size_ml); })[0];
    if (found) {
      found.quantity = Math.min(found.quantity + (item.quantity || 1), 20);
    } else {
      lines.push({ slug: item.slug, size_ml: Number(item.size_ml), quantity: item.quantity || 1, name: item.name, brand: item.brand || "", price_cents: Number(item.price_cents) });
    }
    writeCart(lines);
    beacon("add_to_cart", item.slug, { size_ml: Number(item.size_ml) });
  }
  /* A curated set is one cart line: {set, quantity}; the server prices and stocks it. */
  function addSetToCart(item) {
    var lines = readCart();
    var found = lines.filter(function (l) { return l.set === item.set; })[0];
    if (found) {
      found.quantity = Math.min(found.quantity + 1, 20);
    } else {
      lines.push({ set: item.set, quantity: 1, name: item.name, price_cents: Number(item.price_cents) });
    }
    writeCart(lines);
    beacon("add_to_cart", null, { set: item.set });
  }
  function lineLabel(l) { return l.set ? (l.name || l.set) + " (set)" : (l.name || l.slug) + ", " + l.size_ml + " ml"; }
  function showCount() {
    var count = readCart().reduce(function (n, l) { return n + l.quantity; }, 0);
    $all("[data-cart-count]").forEach(function (node) {
      node.textContent = String(count);
      node.parentNode.setAttribute("aria-label", "Cart, " + count + (count === 1 ? " item" : " items"));
    });
  }

  /* ---- home: discovery sets ---- */
  function initHome() {
    $all("[data-add-set]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        JSON.parse(button.getAttribute("data-add-set")).forEach(function (i) { addToCart(i); });
        button.textContent = "Added to your cart";
      });
    });
  }

  /* The one stock-label rule (decant/inventory/stock_label.py): the page carries the
     rule's threshold in data-low-stock (written by the build); a product applies it
     only while the API says low_stock, as the build does with low_stock_alert. */
  function stockLabel(available, lowStock) {
    if (available <= 0) { return "Sold out"; }
    return available <= (lowStock || 0) ? "Only " + available + " left" : "In stock";
  }

  /* ---- curated set page: live availability and add to cart ---- */
  function initSet() {
    var article = $("[data-set]");
    var button = $("[data-add-curated]");
    if (!article || !button) { return; }
    var slug = article.getAttribute("data-set");
    var stock = $("[data-set-stock]");
    button.hidden = false;
    api("GET", "/api/sets").then(function (sets) {
      var found = sets.filter(function (s) { return s.slug === slug; })[0];
      var available = found ? found.available : 0;
      button.disabled = available <= 0;
      stock.textContent = stockLabel(available, Number(article.getAttribute("data-low-stock")));
    }).catch(function () { /* the build-time stock stays on the page */ });
    button.addEventListener("click", function () {
      addSetToCart(JSON.parse(button.getAttribute("data-add-curated")));
      $("[data-added]").textContent = "Added the set to your cart.";
    });
  }

  /* ---- catalog: filters over the JSON index ---- */
  function cardNode(p) {
    var li = el("li", { "class": "card" });
    var a = el("a", { href: "/products/" + p.slug + "/", "class": "card-link" });
    if (p.image) {
      a.appendChild(el("img", { src: p.image.src, width: p.image.width, height: p.image.height, alt: "", loading: "lazy", decoding: "async" }));
    } else {
      a.appendChild(el("span", { "class": "card-ph", "aria-hidden": "true" }));
    }
    a.appendChild(el("h2", { "class": "card-name" }, p.name));
    li.appendChild(a);
    li.appendChild(el("p", { "class": "card-brand" }, p.brand));
    var price = el("p", { "class": "card-price" }, p.price ? "from " + p.price : "");
    if (!p.in_stock) { price.appendChild(document.createTextNode(" · ")); price.appendChild(el("span", { "class": "sold" }, "Sold out")); }
    li.appendChild(price);
    return li;
  }
  function initCatalog() {
    var form = $("[data-filters]");
    if (!form) { return; }
    var params = new URLSearchParams(window.location.search);
    $all("select", form).forEach(function (s) { if (params.get(s.name)) { s.value = params.get(s.name); } });
    var index = null;
    var touched = false;
    function apply() {
      if (!index) { touched = true; return; }
      var f = {};
      $all("select", form).forEach(function (s) { f[s.name] = s.value; });
      var list = index.filter(function (p) {
        return (!f.brand || p.brand_slug === f.brand) && (!f.gender || p.gender === f.gender) &&
          (!f.note || p.notes.indexOf(f.note) >= 0) && (!f.accord || p.accords.indexOf(f.accord) >= 0) &&
          (!f.concentration || p.concentration === f.concentration) &&
          (!f.size || p.sizes.some(function (s) { return Number(s) === Number(f.size); })) &&
          (!f.max_price || (p.price_cents !== null && p.price_cents <= Number(f.max_price)));
      });
      var by = {
        name: function (a, b) { return a.name.localeCompare(b.name); },
        price: function (a, b) { return (a.price_cents || 0) - (b.price_cents || 0); },
        "-price": function (a, b) { return (b.price_cents || 0) - (a.price_cents || 0); },
        newest: function (a, b) { return a.created < b.created ? 1 : a.created > b.created ? -1 : 0; }
      }[f.sort] || null;
      if (by) { list.sort(by); }
      var shown = list.slice(0, 96);
      var grid = el("ul", { "class": "grid" });
      shown.forEach(function (p) { grid.appendChild(cardNode(p)); });
      var results = $("[data-results]");
      results.textContent = "";
      results.appendChild(grid);
      $("[data-count]").textContent = list.length + (list.length === 1 ? " fragrance" : " fragrances") +
        (list.length > shown.length ? " (showing the first " + shown.length + ")" : "");
      var pager = $("[data-pager]");
      if (pager) { pager.hidden = true; }
      var query = new URLSearchParams();
      Object.keys(f).forEach(function (k) { if (f[k] && !(k === "sort" && f[k] === "name")) { query.set(k, f[k]); } });
      var qs = query.toString();
      window.history.replaceState(null, "", window.location.pathname + (qs ? "?" + qs : ""));
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    fetch("/catalog/index.json").then(function (r) { return r.json(); }).then(function (data) {
      index = data.products;
      if (window.location.search || touched) { apply(); }
    }).catch(function () { form.hidden = true; });
  }

  /* ---- product: live stock and add to cart ---- */
  function initProduct() {
    var article = $("[data-product]");
    var form = $("[data-buy]");
    if (!article || !form) { return; }
    var slug = article.getAttribute("data-product");
    beacon("product_view", slug);
    initNotify(slug);
    api("GET", "/api/products/" + encodeURIComponent(slug)).then(function (data) {
      var lowStock = data.low_stock ? Number(article.getAttribute("data-low-stock")) : 0;
      (data.sizes || []).forEach(function (s) {
        var label = $('[data-stock="' + s.size_ml + '"]', form);
        var input = $('input[value="' + s.size_ml + '"]', form);
        if (!label || !input) { return; }
        if (s.available <= 0) {
          label.textContent = "Sold out";
          input.disabled = true;
          input.checked = false;
        }
        var notify = $('[data-notify="' + s.size_ml + '"]');
        if (!notify && s.available <= 0) { notify = notifyForm(slug, s.size_ml); }
        if (notify) { notify.hidden = s.available > 0; }
        if (s.available > 0) {
          input.disabled = false;
          label.textContent = stockLabel(s.available, lowStock);
        }
      });
      var any = $all('input[name="size"]', form).some(function (i) { return !i.disabled; });
      $("[data-add]", form).disabled = !any;
      var alerts = $("[data-notify-list]");
      if (alerts) { alerts.hidden = !$all("[data-notify]", alerts).some(function (f) { return !f.hidden; }); }
    }).catch(function () { /* the build-time stock stays on the page */ });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = $('input[name="size"]:checked', form);
      var message = $("[data-added]", form);
      if (!chosen) { message.textContent = "Please choose a size."; return; }
      addToCart({ slug: slug, size_ml: chosen.value, price_cents: chosen.getAttribute("data-price"), name: form.getAttribute("data-name"), brand: form.getAttribute("data-brand") });
      message.textContent = "Added " + chosen.value + " ml to your cart.";
    });
  }

  /* A sold-out size's "Notify me" form: rendered by the build for sizes sold out then,
     made here for a size that sold out since. */
  function notifyForm(slug, size) {
    var list = $("[data-notify-list]");
    if (!list) { return null; }
    var form = el("form", { "class": "notify-form", "data-notify": String(size) });
    form.appendChild(el("label", { "for": "notify-" + size }, "Notify me when " + size + " ml is back"));
    var row = el("span", { "class": "notify-row" });
    row.appendChild(el("input", { id: "notify-" + size, name: "email", type: "email", required: "", maxlength: "254", autocomplete: "email", placeholder: "you@example.com" }));
    row.appendChild(el("button", { type: "submit", "class": "button" }, "Notify me"));
    form.appendChild(row);
    form.appendChild(el("span", { "class": "small notify-status", role: "status", "data-notify-status": "" }));
    list.appendChild(form);
    wireNotify(slug, form);
    return form;
  }
  function wireNotify(slug, form) {
    var status = $("[data-notify-status]", form);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!form.checkValidity()) { form.reportValidity(); return; }
      var email = form.elements.email.value.trim();
      status.textContent = "Sending…";
      api("POST", "/api/stock-alerts", { email: email, slug: slug, size_ml: Number(form.getAttribute("data-notify")) }).then(function () {
        status.textContent = "Almost done: confirm with the link we sent to " + email + ".";
      }).catch(function (err) {
        status.textContent = err.code === "conflict" ? "Good news: this size is back in stock. Reload to order it." :
          err.code === "validation_error" ? "Please check the e-mail address." :
          err.code === "rate_limited" ? "Too many requests; please try again in a minute." : err.message;
      });
    });
  }
  function initNotify(slug) {
    $all("[data-notify]").forEach(function (form) { wireNotify(slug, form); });
  }

  /* ---- search box (every page): a WAI-ARIA combobox over /search-index.json ---- */
  var SPELLED = { "æ": "ae", "œ": "oe", "ø": "o", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ı": "i" };
  function fold(text) {
    /* as decant/search_text.py: lowercase, accents off, a few letters spelled out */
    return String(text).toLowerCase().normalize("NFKD")
      .replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, "")
      .replace(/[æœøßłđðþħı]/g, function (c) { return SPELLED[c]; });
  }
  function words(text) { return fold(text).match(/[a-z0-9]+/g) || []; }
  function initSearch() {
    var form = $("[data-search]");
    if (!form) { return; }
    var input = $("#site-search-q", form);
    var list = $("#site-search-list", form);
    var status = $("[data-search-status]", form);
    var entries = null;
    var loading = null;
    var active = -1;
    var MAX = 8;
    function load() {
      if (!loading) {
        loading = fetch("/search-index.json").then(function (r) { return r.json(); }).then(function (data) {
          entries = data.products.map(function (p) {
            var house = data.houses[p[2]];
            var notes = p[3].map(function (i) { return data.notes[i]; });
            return { slug: p[0], name: p[1], house: house, nameWords: words(p[1]), words: words([p[1], house].concat(notes).join(" ")) };
          });
        }).catch(function () { loading = null; });
      }
      return loading;
    }
    function starts(query, hay) {
      return query.every(function (q) { return hay.some(function (w) { return w.indexOf(q) === 0; }); });
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function options() { return $all('[role="option"]', list); }
    function highlight(index) {
      var opts = options();
      opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", opts[index].id);
        opts[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function go(option) { window.location.href = option.getAttribute("data-href"); }
    function show() {
      var query = Array.from(new Set(words(input.value))).slice(0, 8);
      list.textContent = "";
      if (!query.length || !entries) { close(); status.textContent = ""; return; }
      var found = entries.filter(function (e) { return starts(query, e.words); });
      found.sort(function (a, b) { return (starts(query, b.nameWords) ? 1 : 0) - (starts(query, a.nameWords) ? 1 : 0); });
      status.textContent = found.length ? found.length + (found.length === 1 ? " fragrance" : " fragrances") + " found" : "No fragrance matches";
      if (!found.length) { close(); return; }
      found.slice(0, MAX).forEach(function (e, i) {
        var li = el("li", { id: "site-search-opt-" + i, role: "option", "aria-selected": "false", "data-href": "/products/" + e.slug + "/" }, e.name);
        li.appendChild(el("span", { "class": "small" }, e.house));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(li); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      input.removeAttribute("aria-activedescendant");
    }
    input.addEventListener("focus", load);
    input.addEventListener("input", function () { load().then(show); });
    input.addEventListener("keydown", function (e) {
      var opts = options();
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden) { if (input.value) { load().then(show); } return; }
        e.preventDefault();
        var step = e.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : opts.length - 1) : (active + step + opts.length) % opts.length);
      } else if (e.key === "Enter" && !list.hidden && active >= 0) {
        e.preventDefault();
        go(opts[active]);
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    input.addEventListener("blur", close);
  }

  /* ---- cart page ---- */
  function initCart() {
    var view = $("[data-cart-view]");
    if (!view) { return; }
    function render() {
      var lines = readCart();
      var tbody = $("[data-cart-lines]");
      tbody.textContent = "";
      lines.forEach(function (l, i) {
        var tr = el("tr");
        var name = el("td");
        name.appendChild(el("a", { href: l.set ? "/sets/" + l.set + "/" : "/products/" + l.slug + "/" }, l.name || l.set || l.slug));
        tr.appendChild(name);
        tr.appendChild(el("td", {}, l.set ? "set" : l.size_ml + " ml"));
        var qty = el("td");
        var input = el("input", { type: "number", min: "1", max: "20", value: String(l.quantity), "aria-label": "Quantity of " + lineLabel(l) });
        input.addEventListener("change", function () {
          var n = Math.max(1, Math.min(20, parseInt(input.value, 10) || 1));
          var current = readCart();
          if (current[i]) { current[i].quantity = n; writeCart(current); render(); }
        });
        qty.appendChild(input);
        tr.appendChild(qty);
        tr.appendChild(el("td", {}, money(l.price_cents * l.quantity)));
        var rm = el("td");
        var button = el("button", { type: "button", "class": "link-button" }, "Remove");
        button.setAttribute("aria-label", "Remove " + lineLabel(l));
        button.addEventListener("click", function () {
          var current = readCart();
          current.splice(i, 1);
          writeCart(current);
          render();
        });
        rm.appendChild(button);
        tr.appendChild(rm);
        tbody.appendChild(tr);
      });
      var empty = lines.length === 0;
      $("[data-cart-empty]").hidden = !empty;
      $("[data-cart-table]").hidden = empty;
      $("[data-cart-total-row]").hidden = empty;
      $("[data-cart-actions]").hidden = empty;
      $("[data-cart-total]").textContent = money(lines.reduce(function (n, l) { return n + l.price_cents * l.quantity; }, 0));
    }
    render();
  }

  /* ---- checkout ---- */
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = el("script", { src: src });
      s.onload = resolve;
      s.onerror = function () { reject(new Error("The payment form could not be loaded.")); };
      document.head.appendChild(s);
    });
  }
  /* The confirmation page learns the order from sessionStorage (or a #fragment), never
     from the query string: a query reaches servers, their logs and Referer headers, and
     this one would carry the shopper's e-mail. */
  var CONFIRMATION_KEY = "decant.confirmation";
  function confirmationUrl(order, email) {
    try { sessionStorage.setItem(CONFIRMATION_KEY, JSON.stringify({ number: order, email: email })); } catch (e) { /* private mode: the page shows the generic text */ }
    return "/checkout/confirmation/";
  }
  function initCheckout() {
    var form = $("[data-checkout]");
    if (!form) { return; }
    var error = $("[data-error]");
    var lines = readCart();
    if (!lines.length) { form.hidden = true; $("[data-checkout-empty]").hidden = false; return; }
    $("[data-checkout-summary]").textContent = lines.length + (lines.length === 1 ? " sample" : " samples") + " in your cart.";
    beacon("checkout_started", null, { lines: lines.length });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      error.textContent = "";
      if (!form.checkValidity()) { form.reportValidity(); return; }
      var v = function (n) { return form.elements[n].value.trim(); };
      var payload = {
        email: v("email"), name: v("name"),
        shipping_address: { line1: v("line1"), line2: v("line2"), city: v("city"), postal_code: v("postal_code"), country: v("country") },
        items: readCart().map(function (l) { return l.set ? { set: l.set, quantity: l.quantity } : { slug: l.slug, size_ml: l.size_ml, quantity: l.quantity }; })
      };
      if (v("discount_code")) { payload.discount_code = v("discount_code"); }
      var key = sessionStorage.getItem("decant.idem") || ((window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()));
      sessionStorage.setItem("decant.idem", key);
      var button = $("[data-place]", form);
      button.disabled = true;
      api("POST", "/api/orders", payload, { "Idempotency-Key": key }).then(function (order) {
        return api("POST", "/api/checkout", { order_number: order.order_number, email: payload.email }).then(function (pay) {
          return startPayment(order, pay, payload.email);
        });
      }).catch(function (err) {
        sessionStorage.removeItem("decant.idem");
        button.disabled = false;
        error.textContent = err.code === "out_of_stock" ? "Some samples sold out meanwhile: " + err.message : err.message;
      });
    });
  }
  function startPayment(order, pay, email) {
    var section = $("[data-payment]");
    var payButton = $("[data-pay]");
    var error = $("[data-error]");
    section.hidden = false;
    $("[data-order-total]").textContent = "Order " + order.order_number + ": " + money(order.total_cents) + " to pay.";
    var done = confirmationUrl(order.order_number, email);
    if (String(pay.publishable_key || "").indexOf("pk_") === 0) {
      return loadScript("https://js.stripe.com/v3").then(function () {
        var stripe = window.Stripe(pay.publishable_key);
        var elements = stripe.elements({ clientSecret: pay.client_secret });
        elements.create("payment").mount("#payment-element");
        payButton.addEventListener("click", function () {
          payButton.disabled = true;
          stripe.confirmPayment({ elements: elements, confirmParams: { return_url: window.location.origin + done } }).then(function (result) {
            if (result.error) { error.textContent = result.error.message; payButton.disabled = false; }
          });
        });
      });
    }
    $("[data-demo-note]").hidden = false;
    payButton.addEventListener("click", function () {
      payButton.disabled = true;
      api("POST", "/api/checkout/demo-confirm", { order_number: order.order_number, email: email }).then(function () {
        window.location.assign(done);
      }).catch(function (err) { error.textContent = err.message; payButton.disabled = false; });
    });
    return null;
  }

  /* ---- confirmation and tracking ---- */
  function orderView(data) {
    var box = el("div");
    box.appendChild(el("p", {}, "Order " + (data.order_number || "") + ": " + (data.status || "") + (data.payment_status ? ", payment " + data.payment_status : "")));
    if (data.tracking_number) { box.appendChild(el("p", {}, "Tracking number: " + data.tracking_number)); }
    var items = data.items || [];
    if (items.length) {
      var ul = el("ul");
      items.forEach(function (i) { ul.appendChild(el("li", {}, (i.quantity || 1) + " × " + (i.name || i.slug || "") + " " + (i.size_ml || "") + " ml" + (i.set ? " (set " + i.set + ")" : ""))); });
      box.appendChild(ul);
    }
    var timeline = data.timeline || [];
    if (timeline.length) {
      box.appendChild(el("h2", {}, "Timeline"));
      var ol = el("ol", { "class": "timeline" });
      timeline.forEach(function (t) {
        var when = t.created_at || t.at || "";
        ol.appendChild(el("li", {}, (t.status || "") + (t.note ? ": " + t.note : "") + (when ? " — " + new Date(when).toLocaleString() : "")));
      });
      box.appendChild(ol);
    }
    return box;
  }
  function track(email, number) {
    return api("GET", "/api/orders/track?email=" + encodeURIComponent(email) + "&number=" + encodeURIComponent(number));
  }
  function initConfirmation() {
    /* Stripe returns here with ?payment_intent=…&payment_intent_client_secret=…: drop
       them from the address bar and history at once (nothing here needs them). */
    if (window.location.search && window.history && history.replaceState) {
      history.replaceState(null, "", window.location.pathname + window.location.hash);
    }
    var saved = {};
    try { saved = JSON.parse(sessionStorage.getItem(CONFIRMATION_KEY) || "{}") || {}; } catch (e) { saved = {}; }
    var fragment = new URLSearchParams(window.location.hash.slice(1));
    var number = fragment.get("number") || saved.number;
    var email = fragment.get("email") || saved.email;
    var status = $("[data-confirmation-status]");
    if (!number || !email || !status) { return; }
    writeCart([]);
    sessionStorage.removeItem("decant.idem");
    beacon("purchase", null, { order_number: number });
    track(email, number).then(function (data) {
      status.textContent = "";
      status.appendChild(orderView(data));
    }).catch(function () { status.textContent = "Order " + number + " is being confirmed."; });
  }
  function initTrack() {
    var form = $("[data-track]");
    var out = $("[data-track-result]");
    if (!form) { return; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!form.checkValidity()) { form.reportValidity(); return; }
      out.textContent = "Looking up your order…";
      track(form.elements.email.value.trim(), form.elements.number.value.trim()).then(function (data) {
        out.textContent = "";
        out.appendChild(orderView(data));
      }).catch(function (err) {
        out.textContent = err.code === "not_found" ? "We found no order with that e-mail and number." : err.message;
      });
    });
  }

  showCount();
  initSearch();
  beacon("page_view", null, { path: window.location.pathname });
  window.addEventListener("storage", function (e) { if (e.key === CART_KEY) { showCount(); } });
  ({ home: initHome, set: initSet, catalog: initCatalog, product: initProduct, cart: initCart, checkout: initCheckout, confirmation: initConfirmation, track: initTrack }[kind] || function () {})();
})();
