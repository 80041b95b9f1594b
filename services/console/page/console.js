// The console's page: everything it shows comes from the API, and every change of the state
// arrives on the events stream (EventSource reconnects by itself after a console restart).
'use strict';

const TOKEN_KEY = 'cutover-console-token';
let token = null;
let snapshot = null;
let events = null;
const audit = { offset: 0, limit: 50, subject: '', facts: false };
const start = { collections: new Set(), tables: new Set() };

/** An element with attributes and children (text is always text: nothing from the API becomes markup). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}

function $(id) {
  return document.getElementById(id);
}

function say(text, ok = false) {
  const message = $('message');
  message.textContent = text;
  message.className = ok ? 'message ok' : 'message';
  message.hidden = false;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (message.hidden = true), ok ? 4000 : 15000);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) {
    showLogin(answer.message ?? 'the token was refused');
    throw new Error(answer.message ?? 'unauthorized');
  }
  if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer;
}

// ---- the token

function showLogin(error = '') {
  localStorage.removeItem(TOKEN_KEY);
  token = null;
  shown = null;
  events?.close();
  $('login').hidden = false;
  $('login-error').textContent = error;
  for (const section of document.querySelectorAll('[data-view-section]')) section.hidden = true;
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  localStorage.setItem(TOKEN_KEY, token);
  $('login').hidden = true;
  connect();
});

// ---- views

function currentView() {
  const view = location.hash.slice(1);
  return ['migration', 'start', 'audit'].includes(view) ? view : snapshot?.migration.status === 'running' ? 'migration' : 'start';
}

/** The view on screen; a view is loaded when it is shown, not on every change of the state. */
let shown = null;

function showView() {
  if (token === null) return;
  const view = currentView();
  if (view === shown) return;
  shown = view;
  for (const section of document.querySelectorAll('[data-view-section]')) section.hidden = section.dataset.viewSection !== view;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('current', link.dataset.view === view);
  if (view === 'start') loadSources();
  if (view === 'audit') loadAudit();
}

window.addEventListener('hashchange', showView);

// ---- the live state

function connect() {
  events?.close();
  events = new EventSource(`/api/v1/events?access_token=${encodeURIComponent(token)}`);
  events.addEventListener('state', (event) => {
    snapshot = JSON.parse(event.data);
    $('connection').textContent = 'live';
    $('connection').className = 'connection';
    render();
  });
  events.addEventListener('error', async () => {
    $('connection').textContent = 'reconnecting…';
    $('connection').className = 'connection down';
    // EventSource says nothing of why: a refused token would be retried for ever.
    const probe = await fetch('/api/v1/state', { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
    if (probe?.status === 401) showLogin('the token was refused');
  });
  showView();
}

function render() {
  renderOverview();
  renderItems('tables', snapshot.tables, tableItem);
  renderItems('collections', snapshot.collections, collectionItem);
  if (shown === 'audit') loadAudit();
  // With no view asked for, the page shows the migration once one runs.
  showView();
}

function renderOverview() {
  const m = snapshot.migration;
  const gate = m.commitGate;
  $('overview').replaceChildren(
    el('h2', {}, m.migrationId ?? 'No migration yet'),
    el('p', {}, `Status: ${m.status}${m.paused ? ' (paused)' : ''} · reads from ${m.primary} · read mode ${m.readMode}`),
    m.status === 'running'
      ? el('div', { class: `gate ${gate.open ? 'open' : 'closed'}` }, gate.open ? 'Commit gate open: set-primary target and complete may go ahead.' : 'Commit gate closed, waiting for:', gate.open ? null : el('ul', {}, gate.waitingFor.map((w) => el('li', {}, w))))
      : null,
  );
  $('global-commands').replaceChildren(
    commandButton('pause', 'Pause everything'),
    commandButton('resume', 'Resume everything'),
    commandButton('set-read-mode dual-async', 'Read mode: dual-async'),
    commandButton('set-read-mode primary-only', 'Read mode: primary-only'),
    commandButton('set-primary origin', 'Primary: origin', { destructive: true }),
    commandButton('set-primary target', 'Primary: target', { destructive: true }),
    commandButton('complete', 'Complete the migration', { destructive: true }),
  );
}

/** A button for one of the offered commands: disabled, with the reason shown, when the state would refuse it. */
function commandButton(key, label, { destructive = false, extra = () => ({}) } = {}) {
  const offered = snapshot.commands[key];
  if (offered === undefined) return null;
  const refusal = offered.refusal;
  return el(
    'span',
    { class: 'command' },
    el('button', { type: 'button', class: destructive ? 'danger' : null, disabled: refusal !== null, 'data-command': key, title: refusal ?? '', onclick: () => issue({ ...offered.request, ...extra() }, label, destructive) }, label),
    refusal === null ? null : el('span', { class: 'why' }, refusal),
  );
}

async function issue(request, label, destructive) {
  const needsReason = destructive || request.truncate === true || request.force === true;
  if (needsReason) {
    const reason = prompt(`${label}: why? (recorded in the audit)`);
    if (reason === null || reason.trim() === '') return say(`${label}: not done, a reason is needed`);
    if (!confirm(`${label}?\n\nReason: ${reason}`)) return;
    request = { ...request, reason: reason.trim() };
  }
  try {
    await api('POST', '/api/v1/commands', request);
    say(`${label}: accepted`, true);
  } catch (error) {
    say(`${label}: refused: ${error.message}`);
  }
}

function renderItems(id, items, item) {
  const container = $(id);
  if (items.length === 0) return container.replaceChildren(el('p', { class: 'empty' }, `No ${id} in this migration.`));
  container.replaceChildren(...items.map(item));
}

function percent(done, total) {
  return total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 0;
}

function duration(seconds) {
  if (seconds === null) return '?';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function bar(pct, state) {
  const filled = el('div');
  // Through the CSSOM: the page's Content-Security-Policy allows no inline style attributes.
  filled.style.width = `${pct}%`;
  return el('div', { class: `bar ${state}`, role: 'progressbar', 'aria-valuenow': pct, 'aria-valuemin': 0, 'aria-valuemax': 100 }, filled);
}

function verifiedMark(verified, what) {
  if (verified === null) return el('span', { class: 'verified none' }, 'not verified');
  return verified.differences === 0 ? el('span', { class: 'verified yes', title: `${verified[what]} ${what} compared` }, '✓ verified') : el('span', { class: 'verified no' }, `✗ ${verified.differences} differ`);
}

function itemCommands(kind, name, paused) {
  return el(
    'div',
    { class: 'commands' },
    commandButton(`${paused ? 'resume' : 'pause'} ${kind} ${name}`, paused ? 'Resume' : 'Pause'),
    commandButton(`remigrate ${kind} ${name}`, 'Re-migrate'),
    commandButton(`remigrate ${kind} ${name}`, 'Re-migrate, truncating target', { destructive: true, extra: () => ({ truncate: true }) }),
    el('span', { class: 'command' }, el('button', { type: 'button', onclick: () => setPriority(kind, name) }, 'Priority…')),
  );
}

function setPriority(kind, name) {
  const answer = prompt(`Priority of ${name} (lower goes first)`);
  if (answer === null) return;
  if (!/^-?\d+$/.test(answer.trim())) return say(`priority must be a whole number, not "${answer}"`);
  issue({ command: 'set-priority', [kind]: name, priority: Number(answer) }, `set-priority ${name}`, false);
}

function tableItem(t) {
  const pct = t.phase === 'verified' || t.phase === 'mismatched' || t.phase === 'copied' ? 100 : percent(t.rows.loaded, t.rows.estimated);
  return el(
    'article',
    { class: 'item', 'data-table': t.name },
    el('h3', {}, t.name, el('span', { class: `badge ${t.phase}` }, t.phase), t.paused ? el('span', { class: 'badge paused' }, 'paused') : null, t.round > 0 ? el('span', { class: 'badge' }, `round ${t.round}`) : null, verifiedMark(t.verified, 'rows')),
    bar(pct, t.phase === 'failed' ? 'failed' : pct === 100 ? 'done' : ''),
    el('p', { class: 'numbers' }, `${pct}% · ${t.rows.loaded.toLocaleString()} of ~${t.rows.estimated.toLocaleString()} rows · ${t.rate.toFixed(0)} rows/s · ETA ${duration(t.etaSeconds)} · chunks ${t.chunks.loaded}/${t.chunks.total} loaded, ${t.chunks.checked} checked${t.badRows.count > 0 ? ` · ${t.badRows.count} bad rows (${t.badRows.files.join(', ')})` : ''}`),
    t.chunks.map.length > 0 ? el('div', { class: 'chunks', 'aria-label': 'chunk map' }, t.chunks.map.map((state, i) => el('span', { class: state, title: `chunk ${i}: ${state}` }))) : null,
    t.failure === null ? null : el('p', { class: 'error' }, t.failure),
    itemCommands('table', t.name, t.paused),
  );
}

function collectionItem(c) {
  const pct = c.phase === 'following' ? 100 : percent(c.documents.read, c.documents.estimated);
  return el(
    'article',
    { class: 'item', 'data-collection': c.name },
    el('h3', {}, `${c.name} → ${c.target ?? '?'}`, el('span', { class: `badge ${c.phase}` }, c.phase), c.paused ? el('span', { class: 'badge paused' }, 'paused') : null, c.round > 0 ? el('span', { class: 'badge' }, `round ${c.round}`) : null, verifiedMark(c.verified, 'documents')),
    bar(pct, c.phase === 'failed' ? 'failed' : pct === 100 ? 'done' : ''),
    el('p', { class: 'numbers' }, `${pct}% · ${c.documents.read.toLocaleString()} of ~${c.documents.estimated.toLocaleString()} documents read · ${c.rate.toFixed(0)} docs/s · ETA ${duration(c.etaSeconds)} · ranges ${c.ranges.read}/${c.ranges.total} · ${c.changes.read} changes, target ${c.changes.lagSeconds.toFixed(1)} s behind${c.badDocuments.count > 0 ? ` · ${c.badDocuments.count} bad documents (${c.badDocuments.files.join(', ')})` : ''}`),
    c.failure === null ? null : el('p', { class: 'error' }, c.failure),
    c.lost.length === 0 ? null : el('p', { class: 'numbers' }, `Read again whole after: ${c.lost.join('; ')}`),
    itemCommands('collection', c.name, c.paused),
  );
}

// ---- the start page

async function loadSources() {
  try {
    const mongo = await api('GET', '/api/v1/mongo/databases');
    $('mongo-uri').textContent = mongo.uri;
    $('databases').replaceChildren(...mongo.databases.map((d) => el('li', {}, el('button', { type: 'button', class: 'link', 'data-database': d.name, onclick: () => showDatabase(d) }, `${d.name} (${d.collections.length} collections)`))));
  } catch (error) {
    $('mongo-uri').textContent = `unavailable: ${error.message}`;
  }
  try {
    const keyspaces = await api('GET', '/api/v1/origin/tables');
    $('origin-tables').replaceChildren(...keyspaces.flatMap((k) => k.tables.map((t) => choice(`${k.keyspace}.${t}`, start.tables, `${k.keyspace}.${t}`))));
  } catch (error) {
    $('origin-tables').replaceChildren(el('li', {}, `unavailable: ${error.message}`));
  }
}

function showDatabase(database) {
  $('database-name').textContent = `of ${database.name}`;
  $('database-collections').replaceChildren(
    ...database.collections.map((c) => choice(`${database.name}.${c.name}`, start.collections, `${c.name} — ${c.documents.toLocaleString()} documents${c.bytes === null ? '' : `, ${(c.bytes / 1048576).toFixed(1)} MiB`}`)),
  );
}

function choice(name, set, label) {
  return el('li', {}, el('label', {}, el('input', { type: 'checkbox', value: name, checked: set.has(name), onchange: (event) => toggle(set, name, event.target.checked) }), ` ${label}`));
}

function toggle(set, name, on) {
  if (on) set.add(name);
  else set.delete(name);
  chosen();
}

function chosen() {
  const all = [...start.collections, ...start.tables];
  $('chosen').textContent = all.length === 0 ? 'nothing yet' : all.join(', ');
  $('start').disabled = all.length === 0;
}

$('start').addEventListener('click', async () => {
  try {
    await api('POST', '/api/v1/commands', { command: 'start', tables: [...start.tables], collections: [...start.collections] });
    say('migration started', true);
    location.hash = '#migration';
  } catch (error) {
    say(`start refused: ${error.message}`);
  }
});

// ---- the audit

async function loadAudit() {
  const subjects = snapshot === null ? [] : [...snapshot.tables.map((t) => t.name), ...snapshot.collections.map((c) => c.name)];
  const select = $('audit-subject');
  if (select.options.length !== subjects.length + 1) select.replaceChildren(el('option', { value: '' }, 'everything'), ...subjects.map((s) => el('option', { value: s, selected: s === audit.subject }, s)));
  const query = new URLSearchParams({ offset: audit.offset, limit: audit.limit, facts: audit.facts, ...(audit.subject ? { subject: audit.subject } : {}) });
  const page = await api('GET', `/api/v1/audit?${query}`).catch((error) => say(`audit: ${error.message}`));
  if (page === undefined) return;
  $('audit-entries').replaceChildren(
    ...page.entries.map((e) => el('tr', { class: e.event === 'CommandRejected' ? 'rejected' : '' }, el('td', {}, new Date(e.at).toLocaleString()), el('td', {}, e.issuer), el('td', {}, e.event === 'CommandRejected' ? 'rejected' : 'accepted'), el('td', {}, e.detail), el('td', {}, e.reason ?? ''))),
  );
  $('audit-range').textContent = page.total === 0 ? 'nothing yet' : `${page.offset + 1}–${page.offset + page.entries.length} of ${page.total}`;
  $('audit-newer').disabled = page.offset === 0;
  $('audit-older').disabled = page.offset + page.entries.length >= page.total;
  const letters = await api('GET', '/api/v1/dead-letters?limit=50').catch((error) => ({ total: 0, entries: [], error }));
  $('dead-letters-summary').textContent = letters.error ? `unavailable: ${letters.error.message}` : letters.total === 0 ? 'None: nothing was refused.' : `${letters.total} refused record(s), the newest ${letters.entries.length} below.`;
  $('dead-letters').replaceChildren(...letters.entries.map((l) => el('tr', {}, el('td', {}, new Date(l.at).toLocaleString()), el('td', {}, l.topic ?? ''), el('td', {}, l.source ?? ''), el('td', {}, l.reason ?? ''))));
}

$('audit-subject').addEventListener('change', (event) => {
  audit.subject = event.target.value;
  audit.offset = 0;
  loadAudit();
});
$('audit-facts').addEventListener('change', (event) => {
  audit.facts = event.target.checked;
  audit.offset = 0;
  loadAudit();
});
$('audit-newer').addEventListener('click', () => ((audit.offset = Math.max(0, audit.offset - audit.limit)), loadAudit()));
$('audit-older').addEventListener('click', () => ((audit.offset += audit.limit), loadAudit()));

// ---- begin: the token from the address (as `cutover console` prints it), or as kept, or asked for

const fromFragment = /(?:^#|&)token=([^&]+)/.exec(location.hash);
if (fromFragment !== null) {
  localStorage.setItem(TOKEN_KEY, decodeURIComponent(fromFragment[1]));
  history.replaceState(null, '', location.pathname);
}
token = localStorage.getItem(TOKEN_KEY);
fetch('/api/v1/state', { headers: token === null ? {} : { authorization: `Bearer ${token}` } }).then((probe) => {
  if (probe.status === 401) return showLogin(token === null ? '' : 'the token kept from last time was refused');
  token ??= '';
  connect();
});
