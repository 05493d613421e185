// The playground's chat page: a Telegram-like client for one user, on the JSON API of
// playground/webapi.py. Updates come by long polling /api/updates; every action is a POST.
"use strict";

const LONG_POLL_SECONDS = 25;
const ACTION_SECONDS = 5;
const ACTIONS = {
  typing: "typing…",
  upload_photo: "sending a photo…",
  upload_document: "sending a file…",
  find_location: "choosing a location…",
};
const POLL_KINDS = { quiz: "Quiz", regular: "Poll" };
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

const state = {
  instance: null,
  loaded: false, // the first update of this playground run was drawn
  version: 0,
  me: null,
  bot: null,
  chats: new Map(), // id -> chat view
  messages: new Map(), // chat id -> Map(message id -> view)
  unread: new Map(), // chat id -> count
  actions: new Map(), // chat id -> {action, until}
  current: null, // chat id
  online: true,
  botUp: false,
};

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// --- talking to the server -----------------------------------------------------------------

async function post(path, body) {
  const options = { method: "POST", headers: { "X-Playground": "1" } };
  if (body instanceof FormData) {
    options.body = body;
  } else {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let payload = {};
  try {
    payload = await response.json();
  } catch (error) {
    payload = {};
  }
  if (!response.ok) throw new Error(payload.error || `the playground answered ${response.status}`);
  return payload;
}

async function pollUpdates() {
  for (;;) {
    // The first look (and the first after a restart) answers at once; then it long-polls.
    const wait = state.instance === null ? 0 : LONG_POLL_SECONDS;
    try {
      const response = await fetch(`/api/updates?since=${state.version}&timeout=${wait}`);
      if (!response.ok) throw new Error(`status ${response.status}`);
      apply(await response.json());
      setOnline(true);
    } catch (error) {
      setOnline(false);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  renderHeader();
}

// --- applying updates ----------------------------------------------------------------------

function apply(update) {
  if (state.instance && update.instance !== state.instance) {
    // The playground was restarted: its chats start over, and so does the page.
    state.instance = null;
    state.loaded = false;
    state.version = 0;
    state.current = null;
    state.messages.clear();
    state.unread.clear();
    $("#messages").replaceChildren();
    return;
  }
  state.instance = update.instance;
  if (update.reset) {
    state.messages.clear();
    state.unread.clear();
    $("#messages").replaceChildren();
  }
  if (update.me) {
    state.me = update.me;
    $("#me-name").textContent = update.me.name;
  }
  if (update.bot) state.bot = update.bot;
  if ("bot_up" in update) state.botUp = update.bot_up;
  for (const chat of update.chats) {
    state.chats.set(chat.id, chat);
    if (!state.messages.has(chat.id)) state.messages.set(chat.id, new Map());
  }
  const first = !state.loaded;
  state.loaded = true;
  if (state.current === null && update.chats.length) state.current = update.chats[0].id;
  const following = isScrolledDown();
  for (const view of update.messages) {
    const messages = state.messages.get(view.chat_id);
    if (!messages) continue;
    const known = messages.has(view.id);
    messages.set(view.id, view);
    if (!known && !view.deleted && !view.outgoing && !first && view.chat_id !== state.current) {
      state.unread.set(view.chat_id, (state.unread.get(view.chat_id) || 0) + 1);
    }
    if (!known && !view.outgoing) state.actions.delete(view.chat_id); // the message came
    if (view.chat_id === state.current) drawMessage(view);
  }
  for (const action of update.actions) {
    state.actions.set(action.chat_id, { action: action.action, until: action.at + ACTION_SECONDS });
  }
  state.version = update.version;
  if (first) openChat(state.current);
  else {
    renderSidebar();
    renderHeader();
    renderEmpty();
    if (following) scrollDown();
  }
}

// --- the sidebar -----------------------------------------------------------------------------

function colorOf(id) {
  return COLORS[Math.abs(Number(id)) % COLORS.length];
}

function avatar(name, id) {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join("");
  return el("div", { class: "avatar", style: `background:${colorOf(id)}`, text: initials });
}

function preview(view) {
  if (!view) return "";
  let text = view.text || "";
  if (view.poll) text = `📊 ${view.poll.question}`;
  else if (view.photo) text = `🖼 ${text || "Photo"}`;
  else if (view.document) text = `📄 ${view.document.name}`;
  const sender = view.outgoing ? "You: " : "";
  return sender + text.split("\n")[0];
}

function lastMessage(chatId) {
  const views = [...(state.messages.get(chatId) || new Map()).values()].filter((v) => !v.deleted);
  return views.length ? views[views.length - 1] : null;
}

function renderSidebar() {
  const list = $("#chat-list");
  list.replaceChildren();
  for (const chat of state.chats.values()) {
    const last = lastMessage(chat.id);
    const unread = state.unread.get(chat.id) || 0;
    const item = el(
      "li",
      {
        class: `chat-item${chat.id === state.current ? " active" : ""}`,
        dataset: { chatId: chat.id, chatType: chat.type },
        onclick: () => openChat(chat.id),
      },
      avatar(chat.title, chat.id),
      el(
        "div",
        { class: "chat-item-body" },
        el(
          "div",
          { class: "chat-item-top" },
          el("span", { class: "chat-item-title", text: chat.title }),
          el("span", { class: "chat-item-time", text: last ? clock(last.date) : "" }),
        ),
        el(
          "div",
          { class: "chat-item-bottom" },
          el("span", { class: "chat-item-preview", text: preview(last) || subtitle(chat) }),
          unread ? el("span", { class: "badge", text: String(unread) }) : null,
        ),
      ),
    );
    list.append(item);
  }
}

function subtitle(chat) {
  if (chat.type === "private") return "bot";
  const count = (chat.members || []).length + 1; // and the bot
  return `${count} members`;
}

function openChat(chatId) {
  state.current = chatId;
  state.unread.delete(chatId);
  hideMenu();
  const box = $("#messages");
  box.replaceChildren();
  const messages = state.messages.get(chatId) || new Map();
  for (const view of [...messages.values()].sort((a, b) => a.id - b.id)) drawMessage(view);
  renderSidebar();
  renderHeader();
  renderEmpty();
  scrollDown();
  $("#text").focus();
}

function renderHeader() {
  const chat = state.chats.get(state.current);
  if (!chat) return;
  $("#chat-avatar").replaceWith(Object.assign(avatar(chat.title, chat.id), { id: "chat-avatar" }));
  $("#chat-title").textContent = chat.title;
  const status = $("#chat-status");
  const action = state.actions.get(chat.id);
  status.classList.remove("active");
  if (!state.online) {
    status.textContent = "connecting…";
  } else if (!state.botUp) {
    // What is sent now waits for the bot, as Telegram keeps it for a bot that is down.
    status.textContent = `${state.bot ? state.bot.name : "the bot"} is starting…`;
    status.classList.add("active");
  } else if (action && action.until > Date.now() / 1000) {
    const who = chat.type === "private" ? "" : `${state.bot ? state.bot.name : "bot"} is `;
    status.textContent = who + (ACTIONS[action.action] || "busy…");
    status.classList.add("active");
  } else {
    status.textContent = subtitle(chat);
    if (chat.members) {
      status.title = chat.members
        .map((m) => `${m.name}${m.status === "administrator" || m.status === "creator" ? " (admin)" : ""}`)
        .join(", ");
    } else status.removeAttribute("title");
  }
}

function renderEmpty() {
  const box = $("#messages");
  const existing = box.querySelector(".empty");
  const chat = state.chats.get(state.current);
  const empty = ![...(state.messages.get(state.current) || new Map()).values()].some((v) => !v.deleted);
  if (!empty || !chat) {
    if (existing) existing.remove();
    return;
  }
  if (existing) return;
  const content =
    chat.type === "private"
      ? el(
          "div",
          { class: "empty" },
          el("p", { text: `No messages here yet. ${chat.title} answers /start.` }),
          el("button", { class: "start-button", type: "button", text: "START", onclick: () => send("/start") }),
        )
      : el(
          "div",
          { class: "empty" },
          el("p", { text: "Your class: you are an admin here. Try /quiz 3 10 for a quiz session." }),
        );
  box.append(content);
}

// --- messages ------------------------------------------------------------------------------

function clock(seconds) {
  const date = new Date(seconds * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function isScrolledDown() {
  const box = $("#messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function scrollDown() {
  const box = $("#messages");
  box.scrollTop = box.scrollHeight;
}

function drawMessage(view) {
  const box = $("#messages");
  const old = box.querySelector(`.message[data-message-id="${view.id}"]`);
  if (view.deleted) {
    if (old) old.remove();
    renderEmpty();
    return;
  }
  const node = renderMessage(view);
  if (old) {
    old.replaceWith(node);
    return;
  }
  const later = [...box.querySelectorAll(".message")].find((m) => Number(m.dataset.messageId) > view.id);
  if (later) box.insertBefore(node, later);
  else box.append(node);
  renderEmpty();
}

function renderMessage(view) {
  const chat = state.chats.get(view.chat_id);
  const group = chat && chat.type !== "private";
  const bubble = el("div", { class: "bubble" });
  if (group && !view.outgoing && view.from) {
    bubble.append(el("div", { class: "sender", style: `color:${colorOf(view.from.id)}`, text: view.from.name }));
  }
  if (view.reply_to) {
    bubble.append(
      el(
        "div",
        { class: "reply-to" },
        el("div", { class: "reply-name", text: view.reply_to.name }),
        el("div", { class: "reply-text", text: view.reply_to.text }),
      ),
    );
  }
  if (view.photo) {
    const image = el("img", {
      class: "photo",
      src: view.photo.url,
      alt: "photo",
      width: view.photo.width,
      height: view.photo.height,
      loading: "eager",
    });
    bubble.classList.add("has-photo");
    bubble.append(el("a", { href: view.photo.url, target: "_blank", rel: "noopener" }, image));
  }
  if (view.document) bubble.append(renderDocument(view.document));
  if (view.poll) bubble.append(renderPoll(view));
  if (view.text) {
    bubble.append(el("div", { class: "text" }, renderText(view.text, view.entities || [])));
  }
  const meta = el("span", { class: "meta", text: `${view.edited ? "edited " : ""}${clock(view.date)}` });
  bubble.append(meta);
  const node = el(
    "div",
    {
      class: `message ${view.outgoing ? "outgoing" : "incoming"}`,
      dataset: { messageId: view.id, chatId: view.chat_id },
    },
    bubble,
  );
  if (view.keyboard) node.append(renderKeyboard(view));
  return node;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderDocument(document_) {
  return el(
    "a",
    { class: "document", href: `${document_.url}?download=1`, download: document_.name },
    el("span", { class: "document-icon", text: "⬇" }),
    el(
      "span",
      { class: "document-body" },
      el("span", { class: "document-name", text: document_.name }),
      el("span", { class: "document-size", text: size(document_.size) }),
    ),
  );
}

// Telegram's entities to HTML elements; offsets are UTF-16 units, as in JavaScript strings.
function renderText(text, entities) {
  const sorted = entities
    .filter((e) => e.length > 0)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  return build(text, 0, text.length, sorted);
}

function build(text, start, end, entities) {
  const fragment = document.createDocumentFragment();
  let position = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const from = Math.max(entity.offset, position);
    const to = Math.min(entity.offset + entity.length, end);
    if (from > position) fragment.append(text.slice(position, from));
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < to) {
      const nested = entities[j];
      inner.push({ ...nested, length: Math.min(nested.offset + nested.length, to) - nested.offset });
      j += 1;
    }
    if (to > from) {
      const node = entityElement(entity, text.slice(from, to));
      node.append(build(text, from, to, inner));
      fragment.append(node);
      position = to;
    }
    i = j;
  }
  if (position < end) fragment.append(text.slice(position, end));
  return fragment;
}

function safeUrl(url) {
  try {
    const parsed = new URL(url.includes("://") ? url : `https://${url}`);
    return ["http:", "https:", "tg:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch (error) {
    return null;
  }
}

function link(url) {
  const href = safeUrl(url);
  if (!href) return el("span");
  const start = deepLink(href);
  if (start !== null) {
    return el("a", {
      href,
      onclick: (event) => {
        event.preventDefault();
        const privateChat = [...state.chats.values()].find((c) => c.type === "private");
        if (privateChat) openChat(privateChat.id);
        send(start ? `/start ${start}` : "/start");
      },
    });
  }
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
}

// A t.me link to this bot with ?start=: Telegram opens the bot and sends /start PAYLOAD.
function deepLink(href) {
  if (!state.bot) return null;
  const url = new URL(href);
  if (!["t.me", "telegram.me"].includes(url.hostname)) return null;
  if (url.pathname.replace(/^\//, "").toLowerCase() !== state.bot.username.toLowerCase()) return null;
  return url.searchParams.get("start") || "";
}

function entityElement(entity, covered) {
  switch (entity.type) {
    case "bold":
      return el("b");
    case "italic":
      return el("i");
    case "underline":
      return el("u");
    case "strikethrough":
      return el("s");
    case "spoiler":
      return el("span", { class: "spoiler" }); // shown plain: nothing to hide here
    case "code":
      return el("code");
    case "pre":
      return el("pre", { dataset: entity.language ? { language: entity.language } : {} });
    case "blockquote":
    case "expandable_blockquote":
      return el("blockquote");
    case "text_link":
      return link(entity.url);
    case "url":
      return link(covered);
    case "email":
      return el("a", { href: `mailto:${covered}` });
    case "bot_command":
      return el("a", {
        class: "command",
        href: "#",
        onclick: (event) => {
          event.preventDefault();
          send(covered);
        },
      });
    default:
      return el("span", { class: `entity-${entity.type}` });
  }
}

// --- inline keyboards ----------------------------------------------------------------------

function renderKeyboard(view) {
  const keyboard = el("div", { class: "keyboard" });
  for (const row of view.keyboard) {
    const line = el("div", { class: "keyboard-row" });
    for (const button of row) {
      if (button.url) {
        // As in Telegram: a t.me link to this bot opens its chat with /start PAYLOAD.
        const anchor = link(button.url);
        anchor.classList.add("inline-button", "url");
        anchor.textContent = button.text;
        line.append(anchor);
      } else {
        line.append(
          el("button", {
            class: "inline-button",
            type: "button",
            text: button.text,
            disabled: !button.callback_data,
            onclick: (event) => press(view, button, event.currentTarget),
          }),
        );
      }
    }
    keyboard.append(line);
  }
  return keyboard;
}

async function press(view, button, node) {
  node.classList.add("loading");
  try {
    const { answer } = await post(`/api/chats/${view.chat_id}/messages/${view.id}/press`, {
      data: button.callback_data,
    });
    if (answer && answer.text) {
      if (answer.show_alert) showAlert(answer.text);
      else toast(answer.text);
    }
    if (answer && answer.url) window.open(answer.url, "_blank", "noopener");
  } catch (error) {
    toast(error.message);
  } finally {
    node.classList.remove("loading");
  }
}

// --- polls ---------------------------------------------------------------------------------

function renderPoll(view) {
  const poll = view.poll;
  const voted = Array.isArray(poll.my_vote) && poll.my_vote.length > 0;
  const results = voted || poll.is_closed;
  const correct = poll.correct || [];
  const kind = `${poll.is_anonymous ? "Anonymous " : ""}${POLL_KINDS[poll.type] || "Poll"}`;
  const box = el(
    "div",
    { class: `poll${poll.is_closed ? " closed" : ""}`, dataset: { pollId: poll.id } },
    el("div", { class: "poll-kind", text: poll.is_closed ? `${kind} · Final results` : kind }),
    el("div", { class: "poll-question" }, renderText(poll.question, poll.question_entities || [])),
  );
  const options = el("div", { class: "poll-options" });
  poll.options.forEach((option, index) => {
    const share = poll.total ? Math.round((100 * option.count) / poll.total) : 0;
    const mine = voted && poll.my_vote.includes(index);
    const right = correct.includes(index);
    const classes = ["poll-option"];
    if (results) classes.push("result");
    if (mine) classes.push("mine");
    if (results && right) classes.push("right");
    if (mine && poll.type === "quiz" && !right) classes.push("wrong");
    const mark = results ? (right ? "✓" : mine ? (poll.type === "quiz" ? "✗" : "✓") : "") : "";
    const row = el(
      results ? "div" : "button",
      {
        class: classes.join(" "),
        type: results ? undefined : "button",
        dataset: { option: index },
        onclick: results ? undefined : () => vote(view, index),
      },
      el("span", { class: "poll-mark", text: results ? `${share}%` : "" }),
      el("span", { class: "poll-option-text", text: option.text }),
      el("span", { class: "poll-check", text: mark }),
    );
    // The bar starts after the share (46px in): at 100% it ends at the option's right edge.
    if (results) row.append(el("span", { class: "poll-bar", style: `width:calc((100% - 46px) * ${share / 100})` }));
    options.append(row);
  });
  box.append(options);
  if (poll.explanation) {
    box.append(
      el(
        "div",
        { class: "poll-explanation" },
        el("span", { class: "poll-explanation-icon", text: "💡 " }),
        renderText(poll.explanation, poll.explanation_entities || []),
      ),
    );
  }
  const answers = `${poll.total} ${poll.total === 1 ? "answer" : "answers"}`;
  const footer = el("div", { class: "poll-footer" }, el("span", { class: "poll-total", text: answers }));
  if (!poll.is_closed && poll.closes_at) {
    footer.append(el("span", { class: "poll-timer", dataset: { closesAt: poll.closes_at } }));
  }
  box.append(footer);
  return box;
}

async function vote(view, index) {
  try {
    await post(`/api/chats/${view.chat_id}/messages/${view.id}/vote`, { option_ids: [index] });
  } catch (error) {
    toast(error.message);
  }
}

function tick() {
  const now = Date.now() / 1000;
  for (const timer of document.querySelectorAll(".poll-timer")) {
    const left = Math.max(0, Math.round(Number(timer.dataset.closesAt) - now));
    timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  }
  const action = state.actions.get(state.current);
  if (action && action.until <= now) {
    state.actions.delete(state.current);
    renderHeader();
  }
}

// --- sending -------------------------------------------------------------------------------

async function send(text) {
  if (!text.trim() || state.current === null) return;
  try {
    await post(`/api/chats/${state.current}/messages`, { text });
  } catch (error) {
    toast(error.message);
  }
}

async function sendFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const caption = $("#text").value.trim();
  if (caption) form.append("caption", caption);
  try {
    await post(`/api/chats/${state.current}/documents`, form);
    $("#text").value = "";
  } catch (error) {
    toast(error.message);
  }
}

function submit(event) {
  event.preventDefault();
  const box = $("#text");
  const text = box.value;
  if (!text.trim()) return;
  box.value = "";
  autosize();
  hideMenu();
  send(text);
}

function autosize() {
  const box = $("#text");
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

// --- the command menu ----------------------------------------------------------------------

function showMenu(filter = "") {
  const chat = state.chats.get(state.current);
  const menu = $("#command-menu");
  const commands = (chat ? chat.commands : []).filter(([name]) => name.startsWith(filter));
  if (!commands.length) {
    hideMenu();
    return;
  }
  menu.replaceChildren(
    ...commands.map(([name, description]) =>
      el(
        "button",
        {
          type: "button",
          class: "command-item",
          dataset: { command: name },
          onclick: () => {
            hideMenu();
            $("#text").value = "";
            send(`/${name}`);
          },
        },
        el("span", { class: "command-name", text: `/${name}` }),
        el("span", { class: "command-description", text: description }),
      ),
    ),
  );
  menu.hidden = false;
}

function hideMenu() {
  $("#command-menu").hidden = true;
}

// --- notices -------------------------------------------------------------------------------

let toastTimer = null;

function toast(text) {
  const node = $("#toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, 3500);
}

function showAlert(text) {
  $("#alert-text").textContent = text;
  const dialog = $("#alert");
  if (!dialog.open) dialog.showModal();
}

// --- start ---------------------------------------------------------------------------------

function start() {
  $("#composer").addEventListener("submit", submit);
  const box = $("#text");
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
    if (event.key === "Escape") hideMenu();
  });
  box.addEventListener("input", () => {
    autosize();
    const match = /^\/(\w*)$/.exec(box.value);
    if (match) showMenu(match[1]);
    else hideMenu();
  });
  $("#menu-button").addEventListener("click", () => {
    if ($("#command-menu").hidden) showMenu();
    else hideMenu();
  });
  $("#attach-button").addEventListener("click", () => $("#file-input").click());
  $("#file-input").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) sendFile(file);
    event.target.value = "";
  });
  setInterval(tick, 1000);
  pollUpdates();
}

start();
