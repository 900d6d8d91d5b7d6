import Mustache

/// The dashboard's pages as Mustache templates (rendered on the server; no JavaScript).
/// `{{x}}` escapes HTML; `{{{x}}}` is used only for SVG that ``ScorecardChart`` built and escaped.
/// Every page is a child of `layout`, which draws the header, the navigation and the footer.
enum DashboardTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("layout", layout), ("login", login), ("overview", overview), ("accounts", accounts), ("account", account),
        ("agencies", agencies), ("files", files), ("placements", placements), ("remittances", remittances),
        ("requests", requests),
        ("message", message), ("worklist", worklist), ("people", people),
    ]

    static let layout = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{$title}}Handoff{{/title}} · Handoff</title>
    <link rel="stylesheet" href="/assets/handoff.css">
    </head>
    <body>
    <header class="top">
      <a class="brand" href="/">Handoff</a>
      <span class="business">{{business}}</span>
      {{#loggedIn}}
      <nav>
        <a href="/" {{#nav_overview}}aria-current="page"{{/nav_overview}}>Overview</a>
        <a href="/accounts" {{#nav_accounts}}aria-current="page"{{/nav_accounts}}>Accounts</a>
        <a href="/agencies" {{#nav_agencies}}aria-current="page"{{/nav_agencies}}>Agencies</a>
        <a href="/files" {{#nav_files}}aria-current="page"{{/nav_files}}>Files</a>
        <a href="/placements" {{#nav_placements}}aria-current="page"{{/nav_placements}}>Placements</a>
        <a href="/remittances" {{#nav_remittances}}aria-current="page"{{/nav_remittances}}>Remittances</a>
        <a href="/requests" {{#nav_requests}}aria-current="page"{{/nav_requests}}>Requests</a>
        <a href="/worklist" {{#nav_worklist}}aria-current="page"{{/nav_worklist}}>Work list</a>
        {{#is_admin}}<a href="/people" {{#nav_people}}aria-current="page"{{/nav_people}}>People</a>{{/is_admin}}
      </nav>
      <span class="who">{{person}} · {{role}}</span>
      <form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="{{csrf}}">\
    <button type="submit">Log out</button></form>
      {{/loggedIn}}
    </header>
    <main>
    {{#flash}}<p class="flash {{kind}}" role="status">{{text}}</p>{{/flash}}
    {{#loggedIn}}{{^can_run}}<p class="flash viewer" role="note">You are signed in as {{person}}, a viewer: you can \
    read every page. Running jobs and acting on accounts needs an operator or an admin.</p>{{/can_run}}{{/loggedIn}}
    {{$content}}{{/content}}
    </main>
    <footer>Handoff · figures as of {{as_of}} · amounts exact to the cent</footer>
    </body>
    </html>
    """

    static let login = """
    {{<layout}}
    {{$title}}Log in{{/title}}
    {{$content}}
    <section class="card narrow">
      <h1>Log in</h1>
      <p>Type your own token (an admin gives it with <code>handoff people add</code>), or the installation’s API token \
    from its configuration (<code>[server] token_env</code> or <code>token_file</code>).</p>
      {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
      <form method="post" action="/login">
        <input type="hidden" name="next" value="{{next}}">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
        <button type="submit" class="primary">Log in</button>
      </form>
    </section>
    {{/content}}
    {{/layout}}
    """

    static let overview = """
    {{<layout}}
    {{$title}}Overview{{/title}}
    {{$content}}
    <h1>Overview</h1>
    <section class="tiles">
      {{#tiles}}
      <div class="tile {{tone}}"><div class="label">{{label}}</div><div class="value">{{value}}</div>\
    <div class="sub">{{sub}}</div></div>
      {{/tiles}}
    </section>

    <section class="card attention">
      <h2>Needs attention{{#has_attention}} ({{attention_count}}){{/has_attention}}</h2>
      {{#has_attention}}
      <ul class="attention">
        {{#attention}}
        <li class="{{kind}}"><div><strong>{{what}}</strong> <span class="when">{{when}}</span></div>
          {{#detail}}<div class="detail">{{detail}}</div>{{/detail}}
          <div class="advice">{{advice}}</div>
          <div class="actions">{{#can_resolve}}{{#form}}<form method="post" action="{{form}}">\
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{button}}</button>\
    </form>{{/form}}{{/can_resolve}}
            {{#href}}<a href="{{href}}">{{link}}</a>{{/href}}</div></li>
        {{/attention}}
      </ul>
      {{/has_attention}}
      {{^has_attention}}<p class="empty">Nothing needs you: every file went, every event was applied, every statement \
    matched.</p>{{/has_attention}}
    </section>

    <section class="card">
      <h2>Receivables by age</h2>
      {{#aging}}
      <h3>{{currency}} · {{total}} in {{invoices}} open invoices</h3>
      <div class="scroll"><table class="aging">
        <thead><tr><th>Age (days past due)</th><th class="num">Open balance</th><th class="num">Share</th>\
    <th></th></tr></thead>
        <tbody>
        {{#buckets}}
        <tr><td>{{name}}</td><td class="num">{{amount}}</td><td class="num">{{share}}</td>
            <td class="barcell"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">\
    <rect width="{{percent}}" height="10"/></svg></td></tr>
        {{/buckets}}
        </tbody>
      </table></div>
      {{/aging}}
      {{^aging}}<p class="empty">No open invoices. Import them with <code>handoff import</code>.</p>{{/aging}}
    </section>

    <section class="card">
      <h2>With agencies</h2>
      {{#has_placed}}
      <div class="scroll"><table>
        <thead><tr><th>Agency</th><th>Currency</th><th class="num">Accounts open</th>\
    <th class="num">Balance placed</th><th class="num">Collected {{month}}</th><th class="num">Commission</th>\
    <th class="num">Net due to you</th></tr></thead>
        <tbody>
        {{#placed}}<tr><td><a href="/agencies#{{partner}}">{{partner}}</a></td><td>{{currency}}</td>\
    <td class="num">{{accounts}}</td><td class="num">{{balance}}</td><td class="num">{{collected}}</td>\
    <td class="num">{{commission}}</td><td class="num">{{net_due}}</td></tr>{{/placed}}
        </tbody>
      </table></div>
      {{/has_placed}}
      {{^placed}}<p class="empty">Nothing placed yet. <a href="/placements">Preview a placement run</a>.</p>{{/placed}}
    </section>

    <section class="card recalls">
      <h2>To be recalled in the next 14 days</h2>
      {{#has_recalls}}
      <p>Each agency’s placement terms ([terms] in its partner file) run out on these days; the terms job then recalls \
    the account.</p>
      <div class="scroll"><table>
        <thead><tr><th>Account</th><th>Agency</th><th>Term</th><th>Recall on</th></tr></thead>
        <tbody>{{#recalls}}<tr><td><a href="/accounts/{{number}}">{{number}}</a></td><td>{{partner}}</td>\
    <td>{{limit}}</td><td>{{date}}</td></tr>{{/recalls}}</tbody>
      </table></div>
      {{/has_recalls}}
      {{^has_recalls}}<p class="empty">No placement term runs out in the next 14 days.</p>{{/has_recalls}}
    </section>

    <section class="card">
      <h2>Jobs</h2>
      <div class="scroll"><table>
        <thead><tr><th>Job</th><th>Last run</th><th>Result</th><th>Last success</th><th></th></tr></thead>
        <tbody>
        {{#jobs}}
        <tr class="{{#failed}}bad{{/failed}}"><td>{{name}}</td><td>{{last_run}}</td>\
    <td class="summary">{{summary}}</td><td>{{last_success}}</td>
          <td>{{#can_run}}<form method="post" action="/jobs/{{name}}">\
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{button}}</button></form>{{/can_run}}</td>\
    </tr>
        {{/jobs}}
        </tbody>
      </table></div>
    </section>
    {{/content}}
    {{/layout}}
    """

    static let accounts = """
    {{<layout}}
    {{$title}}Accounts{{/title}}
    {{$content}}
    <h1>Accounts</h1>
    <form method="get" action="/accounts" class="search filters" role="search">
      <div class="field wide"><label for="q">Account number or name</label>
      <input id="q" name="q" type="search" value="{{q}}" placeholder="e.g. C-1002 or Lévesque"></div>
      <div class="field"><label for="placed">Agency</label>
      <select id="placed" name="placed">{{#placed_options}}\
    <option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/placed_options}}</select></div>
      <div class="field"><label for="bucket">Age</label>
      <select id="bucket" name="bucket">{{#buckets}}<option value="{{value}}"{{#selected}} selected{{/selected}}>\
    {{label}}</option>{{/buckets}}</select></div>
      <div class="field"><label for="sort">Sort by</label>
      <select id="sort" name="sort">{{#sorts}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}\
    </option>{{/sorts}}</select></div>
      <div class="field check"><input id="hold" name="hold" type="checkbox" value="1"{{#hold}} checked{{/hold}}>\
    <label for="hold">only accounts on hold</label></div>
      <button type="submit">Show</button>{{#filtered}} <a href="/accounts">clear filters</a>{{/filtered}}
    </form>
    <p class="count">{{total}} accounts{{#q}} matching “{{q}}”{{/q}}{{#filtered}} (filtered){{/filtered}}\
    {{#pages}} · page {{page}} of {{pages}}{{/pages}}</p>
    <div class="card flat">
    <div class="scroll"><table class="accounts wide">
      <thead><tr><th>Account</th><th>Name</th><th class="num">Balance</th><th class="num">Days past due</th>\
    <th>Age</th><th>Agency</th><th>Holds and disputes</th></tr></thead>
      <tbody>
      {{#rows}}<tr><td><a href="/accounts/{{number_path}}">{{number}}</a></td><td>{{name}}</td>\
    <td class="num">{{balance}}</td><td class="num">{{days}}</td><td>{{bucket}}</td><td>{{agency}}</td>
        <td>{{#holds}}<span class="tag bad">hold: {{holds}}</span> {{/holds}}{{#disputed}}\
    <span class="tag">{{disputed}}</span>{{/disputed}}</td></tr>{{/rows}}
      {{^rows}}<tr><td colspan="7" class="empty">No account matches.</td></tr>{{/rows}}
      </tbody>
    </table></div>
    </div>
    <nav class="pager">{{#prev}}<a href="{{prev}}">← Previous</a>{{/prev}} {{#next}}\
    <a href="{{next}}">Next →</a>{{/next}}</nav>
    {{/content}}
    {{/layout}}
    """

    static let account = """
    {{<layout}}
    {{$title}}{{number}}{{/title}}
    {{$content}}
    <p><a href="/accounts">← Accounts</a></p>
    <h1>{{name}} <span class="muted">{{number}}</span></h1>
    <section class="tiles">
      <div class="tile"><div class="label">Open balance</div><div class="value">{{balance}}</div>\
    <div class="sub">{{open_invoices}} open invoices</div></div>
      <div class="tile"><div class="label">Oldest past due</div><div class="value">{{days}} days</div>\
    <div class="sub">{{bucket}}</div></div>
      <div class="tile"><div class="label">Agency</div><div class="value">{{agency}}</div>\
    <div class="sub">{{agency_state}}</div></div>
      <div class="tile"><div class="label">Customer</div><div class="value small">{{kind}}</div>\
    <div class="sub">{{place}}{{#holds}} · hold: {{holds}}{{/holds}}</div></div>
    </section>

    {{#open_agency}}{{#can_act}}
    <section class="card" id="actions">
      <h2>Ask {{open_agency}}</h2>
      <p>Each request goes with the next send; the agency’s answer shows under “Requests to agencies” below.</p>
      <div class="forms">
        {{#recall_pending}}<p class="stack">A recall from {{open_agency}} is pending: the agency’s answer confirms it \
    or objects.</p>{{/recall_pending}}
        {{^recall_pending}}<form method="post" action="/accounts/{{number_path}}/recall" class="stack">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="recall-reason">Recall the account: why (the agency reads it)</label>
          <input id="recall-reason" name="reason" required placeholder="e.g. paid us directly, settling in house">
          <button type="submit">Recall from {{open_agency}}</button>
        </form>{{/recall_pending}}
        <form method="post" action="/accounts/{{number_path}}/notify" class="stack">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="notify-kind">Tell the agency</label>
          <select id="notify-kind" name="kind">{{#notices}}<option value="{{value}}">{{label}}</option>{{/notices}}\
    </select>
          <label for="notify-note">What the business received</label>
          <input id="notify-note" name="note" required placeholder="e.g. letter from the trustee, 2026-11-20">
          <button type="submit">Send the notice</button>
        </form>
      </div>
    </section>
    {{/can_act}}{{/open_agency}}
    {{#can_act}}{{#rejected_by}}
    <section class="card">
      <h2>{{partner}} rejected this account</h2>
      <form method="post" action="/accounts/{{number_path}}/clear" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="partner" value="{{partner}}">
        <p>Once its cause is fixed, clear the rejection so that the next placement run may offer the account to \
    {{partner}} again.</p>
        <button type="submit">Clear {{partner}}’s rejection</button>
      </form>
    </section>
    {{/rejected_by}}{{/can_act}}

    <section class="card">
      <h2>Story</h2>
      <ol class="story">
      {{#story}}<li class="{{tone}}"><time>{{date}}</time> <strong>{{what}}</strong> {{detail}} {{#amount}}\
    <span class="amount">{{amount}}</span>{{/amount}} <span class="source">{{source}}</span></li>{{/story}}
      {{^story}}<li>No history yet.</li>{{/story}}
      </ol>
    </section>

    <section class="card">
      <h2>Invoices</h2>
      <div class="scroll"><table>
        <thead><tr><th>Invoice</th><th>Issued</th><th>Due</th><th class="num">Amount</th><th class="num">Balance</th>\
    <th></th></tr></thead>
        <tbody>{{#invoices}}<tr><td>{{number}}</td><td class="date">{{issued}}</td><td class="date">{{due}}</td>\
    <td class="num">{{amount}}</td><td class="num">{{balance}}</td><td>{{#disputed}}\
    <span class="tag">disputed</span>{{/disputed}}</td></tr>{{/invoices}}</tbody>
      </table></div>
    </section>

    <section class="card">
      <h2>Placements</h2>
      {{#has_placements}}
      <div class="scroll"><table>
        <thead><tr><th>Agency</th><th>Tier</th><th>Placed on</th><th class="num">Balance placed</th>\
    <th>Agency reference</th><th>State</th><th>Closed because</th><th>Agency status</th></tr></thead>
        <tbody>{{#placements}}<tr><td>{{partner}}</td><td>{{tier}}</td><td class="date">{{placed_on}}</td>\
    <td class="num">{{balance}}</td><td>{{reference}}</td><td>{{state}}</td><td>{{closure}}</td>\
    <td>{{agency_status}}</td></tr>{{/placements}}</tbody>
      </table></div>
      {{/has_placements}}
      {{^placements}}<p class="empty">Never placed.</p>{{/placements}}
    </section>

    <section class="card">
      <h2>Agency events</h2>
      {{#has_events}}
      <div class="scroll"><table>
        <thead><tr><th>Received</th><th>Agency</th><th>Event</th><th>State</th><th>Reason</th></tr></thead>
        <tbody>{{#events}}<tr class="{{#held}}bad{{/held}}"><td class="when">{{date}}</td><td>{{partner}}</td>\
    <td>{{kind}}</td><td>{{state}}</td><td>{{reason}}</td></tr>{{/events}}</tbody>
      </table></div>
      {{/has_events}}
      {{^events}}<p class="empty">No events from agencies.</p>{{/events}}
    </section>

    <section class="card">
      <h2>Requests to agencies</h2>
      {{#has_requests}}
      <div class="scroll"><table>
        <thead><tr><th>Date</th><th>Agency</th><th>Request</th><th>Id</th><th class="num">Amount</th><th>State</th>\
    <th>Agency's answer</th></tr></thead>
        <tbody>{{#requests}}<tr class="{{#bad}}bad{{/bad}}"><td class="date">{{date}}</td><td>{{partner}}</td>\
    <td>{{kind}}</td><td class="mono">{{request_id}}</td><td class="num">{{amount}}</td><td>{{state}}</td>\
    <td>{{error}}</td></tr>{{/requests}}</tbody>
      </table></div>
      {{/has_requests}}
      {{^requests}}<p class="empty">No recalls, notices, direct payments or adjustments sent for this account.</p>\
    {{/requests}}
    </section>
    {{/content}}
    {{/layout}}
    """

    static let agencies = """
    {{<layout}}
    {{$title}}Agencies{{/title}}
    {{$content}}
    <h1>Agencies</h1>
    {{#agencies}}
    <section class="card" id="{{id}}">
      <h2>{{name}} <span class="muted">{{id}}</span></h2>
      <p class="health {{health_tone}}">{{health}}</p>
      <dl class="facts">
        <div><dt>Sends by</dt><dd>{{transport}}</dd></div>
        <div><dt>Remittance</dt><dd>{{remittance}}</dd></div>
        <div><dt>Outbox</dt><dd>{{outbox}}</dd></div>
        <div><dt>Inbox</dt><dd>{{inbox}}</dd></div>
      </dl>
      {{#charts}}{{{svg}}}{{/charts}}
      {{#has_vintages}}
      <div class="scroll"><table>
        <thead><tr><th>Placed in</th><th>Currency</th><th class="num">Accounts</th><th class="num">Placed</th>\
    <th class="num">Collected</th><th class="num">Liquidation</th><th class="num">Commission</th>\
    <th class="num">Days to first payment</th><th class="num">Returned</th></tr></thead>
        <tbody>{{#vintages}}<tr><td class="date">{{vintage}}</td><td>{{currency}}</td><td class="num">{{accounts}}</td>\
    <td class="num">{{placed}}</td><td class="num">{{collected}}</td><td class="num">{{liquidation}}</td>\
    <td class="num">{{commission}}</td><td class="num">{{days}}</td><td class="num">{{returned}}</td></tr>{{/vintages}}\
    </tbody>
      </table></div>
      {{/has_vintages}}
      {{^vintages}}<p class="empty">Nothing placed with {{name}} yet.</p>{{/vintages}}
    </section>
    {{/agencies}}
    {{^agencies}}<p class="empty">No partner files in the partners folder.</p>{{/agencies}}
    {{/content}}
    {{/layout}}
    """

    static let files = """
    {{<layout}}
    {{$title}}Files{{/title}}
    {{$content}}
    <h1>Files</h1>
    <section class="card">
      <div class="cardhead"><h2>Outbox <span class="muted">files going to agencies</span></h2>
      {{#can_run}}<form method="post" action="/jobs/send"><input type="hidden" name="csrf" value="{{csrf}}">\
    <button type="submit">Send now</button></form>{{/can_run}}</div>
      <div class="scroll"><table class="wide">
        <thead><tr><th>#</th><th>Date</th><th>Agency</th><th>File</th><th class="num">Size</th><th>State</th>\
    <th class="num">Attempts</th><th>What to do</th></tr></thead>
        <tbody>
        {{#outbox}}
        <tr class="{{tone}}"><td>{{id}}</td><td class="when">{{date}}</td><td>{{partner}}</td>\
    <td class="mono">{{name}}</td><td class="num">{{size}}</td><td>{{state}}</td><td class="num">{{attempts}}</td>
          <td class="what">{{#error}}<div class="error">{{error}}</div>{{/error}}{{#advice}}\
    <div class="advice">{{advice}}</div>{{/advice}}
          {{#can_resolve}}{{#retry}}<form method="post" action="/outbox/{{id}}/retry">\
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry</button>\
    </form>{{/retry}}{{/can_resolve}}</td></tr>
        {{/outbox}}
        {{^outbox}}<tr><td colspan="8" class="empty">Nothing has been sent yet.</td></tr>{{/outbox}}
        </tbody>
      </table></div>
    </section>
    <section class="card">
      <div class="cardhead"><h2>Inbox <span class="muted">the latest {{recent_files}} files from agencies, and every \
    one that needs a look</span></h2>
      {{#can_run}}<form method="post" action="/jobs/fetch"><input type="hidden" name="csrf" value="{{csrf}}">\
    <button type="submit">Fetch now</button></form>{{/can_run}}</div>
      <div class="scroll"><table class="wide">
        <thead><tr><th>#</th><th>Received</th><th>Agency</th><th>File</th><th>Kind</th><th>State</th>\
    <th>What to do</th></tr></thead>
        <tbody>
        {{#inbox}}
        <tr class="{{tone}}"><td>{{id}}</td><td class="when">{{date}}</td><td>{{partner}}</td>\
    <td class="mono">{{name}}</td><td>{{kind}}</td><td>{{state}}</td>
          <td class="what">{{#reason}}<div class="error">{{reason}}</div>{{/reason}}{{#advice}}\
    <div class="advice">{{advice}}</div>{{/advice}}</td></tr>
        {{/inbox}}
        {{^inbox}}<tr><td colspan="7" class="empty">Nothing received yet.</td></tr>{{/inbox}}
        </tbody>
      </table></div>
    </section>
    <section class="card">
      <h2>Agency events not applied</h2>
      <div class="scroll"><table class="wide">
        <thead><tr><th>Received</th><th>Agency</th><th>Account</th><th>Event</th><th>State</th>\
    <th>What to do</th></tr></thead>
        <tbody>
        {{#events}}<tr class="bad"><td class="when">{{date}}</td><td>{{partner}}</td><td>{{#account}}\
    <a href="/accounts/{{account_path}}">{{account}}</a>{{/account}}</td><td>{{kind}}</td><td>{{state}}</td>\
    <td class="what"><div class="error">{{reason}}</div><div class="advice">{{advice}}</div>
          {{#can_resolve}}{{#held}}<div class="actions">
            {{#retryable}}<form method="post" action="/events/{{id}}/retry">\
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry</button></form>{{/retryable}}
            <form method="post" action="/events/{{id}}/dismiss" class="search">\
    <input type="hidden" name="csrf" value="{{csrf}}">\
    <input name="reason" required placeholder="why it should never apply" aria-label="Reason to dismiss">\
    <button type="submit">Dismiss</button></form>
          </div>{{/held}}{{/can_resolve}}</td></tr>{{/events}}
        {{^events}}<tr><td colspan="6" class="empty">No agency event is held or waiting.</td></tr>{{/events}}
        </tbody>
      </table></div>
    </section>
    {{/content}}
    {{/layout}}
    """

    static let placements = """
    {{<layout}}
    {{$title}}Placements{{/title}}
    {{$content}}
    <h1>Placements</h1>
    <section class="card">
      <h2>Place accounts with agencies</h2>
      <p>A preview applies today’s rules (age, minimum balance, disputes, holds, recent payments, final notices), the \
    compliance gate (licences, time-barred debt, validation periods) and each agency’s eligibility and capacity, and \
    changes nothing.</p>
      {{#can_run}}<div class="actions">
        <form method="post" action="/placements/preview"><input type="hidden" name="csrf" value="{{csrf}}">\
    <button type="submit">Preview placement</button></form>
      </div>{{/can_run}}
      {{#preview}}
      <h3>{{heading}}</h3>
      <p>{{placed}} {{verb}}{{#notices}}; {{notices}} {{notices_verb}}{{/notices}}.</p>
      {{#has_accounts}}
      <div class="scroll"><table>
        <thead><tr><th>Account</th><th>Name</th><th>Agency</th><th class="num">Balance</th></tr></thead>
        <tbody>{{#accounts}}<tr><td><a href="/accounts/{{number}}">{{number}}</a></td><td>{{name}}</td>\
    <td>{{partner}}</td><td class="num">{{balance}}</td></tr>{{/accounts}}</tbody>
      </table></div>
      {{#more_accounts}}<p>and {{more_accounts}} more (<code>handoff place --dry-run</code> lists them all).</p>\
    {{/more_accounts}}
      <form method="post" action="/placements/run" class="confirm"><input type="hidden" name="csrf" value="{{csrf}}">\
    <input type="hidden" name="expected" value="{{expected}}"><button type="submit" class="primary">Confirm: place \
    {{placed}}</button></form>
      {{/has_accounts}}
      <div class="scroll"><table>
        <thead><tr><th>Agency</th><th>Currency</th><th class="num">Accounts</th>\
    <th class="num">Balance</th></tr></thead>
        <tbody>{{#lines}}<tr><td>{{partner}}</td><td>{{currency}}</td><td class="num">{{accounts}}</td>\
    <td class="num">{{balance}}</td></tr>{{/lines}}
        {{^lines}}<tr><td colspan="4" class="empty">No account is ready to place today.</td></tr>{{/lines}}</tbody>
      </table></div>
      {{#has_reasons}}
      <h3>Not placed, and why</h3>
      <div class="scroll"><table><thead><tr><th>Reason</th><th class="num">Accounts</th></tr></thead>
      <tbody>{{#reasons}}<tr><td>{{reason}}</td><td class="num">{{count}}</td></tr>{{/reasons}}</tbody></table></div>
      {{/has_reasons}}
      {{#has_compliance}}
      <h3>Kept back by the compliance gate</h3>
      <div class="scroll"><table><thead><tr><th>Code</th><th>What it means</th>\
    <th class="num">Accounts</th></tr></thead>
      <tbody>{{#compliance}}<tr><td class="mono">{{code}}</td><td>{{meaning}}</td>\
    <td class="num">{{count}}</td></tr>{{/compliance}}</tbody></table></div>
      {{/has_compliance}}
      {{/preview}}
    </section>
    <section class="card">
      <h2>Placement files</h2>
      <div class="scroll"><table>
        <thead><tr><th>#</th><th>Agency</th><th>File</th><th>Kind</th><th>Run date</th><th class="num">Accounts</th>\
    <th class="num">Invoices</th><th class="num">Total</th><th>State</th></tr></thead>
        <tbody>{{#batches}}<tr><td>{{id}}</td><td>{{partner}}</td><td class="mono">{{file}}</td><td>{{kind}}</td>\
    <td class="date">{{date}}</td><td class="num">{{accounts}}</td><td class="num">{{invoices}}</td>\
    <td class="num">{{total}}</td><td>{{state}}</td></tr>{{/batches}}
        {{^batches}}<tr><td colspan="9" class="empty">No placement files yet.</td></tr>{{/batches}}</tbody>
      </table></div>
    </section>
    {{/content}}
    {{/layout}}
    """

    static let remittances = """
    {{<layout}}
    {{$title}}Remittances{{/title}}
    {{$content}}
    <h1>Remittances</h1>
    <p class="count">Each statement an agency sent, newest first (the latest {{limit}}); a statement that lists \
    several currencies is matched once for each.</p>
    {{#statements}}
    <section class="card statement {{tone}}">
      <div class="cardhead"><h2>{{partner}} · {{statement}} <span class="muted">{{currency}}</span></h2>\
    <span class="state {{tone}}">{{state}}</span></div>
      <dl class="facts">
        <div><dt>Recorded</dt><dd class="date">{{recorded}}</dd></div>
        <div><dt>Statement date</dt><dd class="date">{{date}}</dd></div>
        <div><dt>Covers</dt><dd>{{period}}</dd></div>
        <div><dt>Reference</dt><dd>{{reference}}</dd></div>
        <div><dt>Collected</dt><dd>{{amount}}</dd></div>
        <div><dt>Commission</dt><dd>{{commission}}</dd></div>
        <div><dt>Remitted ({{model}})</dt><dd>{{net}}</dd></div>
      </dl>
      {{#note}}<p class="error">{{note}}</p>{{/note}}
      {{#has_differences}}<h3>Differences</h3>
      <ul class="differences">{{#differences}}<li>{{text}}</li>{{/differences}}</ul>{{/has_differences}}
    </section>
    {{/statements}}
    {{^statements}}<p class="empty">No remittance statement yet: they arrive with <code>handoff fetch</code>.</p>\
    {{/statements}}
    {{/content}}
    {{/layout}}
    """

    static let requests = """
    {{<layout}}
    {{$title}}Requests{{/title}}
    {{$content}}
    <h1>Requests to agencies</h1>
    <p class="count">Recalls, notices, direct payments and adjustments, newest first (the latest {{limit}}).</p>
    <div class="card flat">
    <div class="scroll"><table class="wide">
      <thead><tr><th>Date</th><th>Account</th><th>Agency</th><th>Request</th><th>Id</th><th class="num">Amount</th>\
    <th>State</th><th>Last change</th><th>Agency’s answer or error</th></tr></thead>
      <tbody>
      {{#requests}}<tr class="{{#bad}}bad{{/bad}}"><td class="when">{{date}}</td><td>\
    <a href="/accounts/{{account_path}}">{{account}}</a></td><td>{{partner}}</td><td>{{kind}}</td>\
    <td class="mono">{{request_id}}</td>
        <td class="num">{{amount}}</td><td>{{state}}</td><td class="when">{{updated}}</td><td>{{#error}}\
    <span class="error">{{error}}</span>{{/error}}</td></tr>{{/requests}}
      {{^requests}}<tr><td colspan="9" class="empty">No request has been sent to an agency.</td></tr>{{/requests}}
      </tbody>
    </table></div>
    </div>
    {{/content}}
    {{/layout}}
    """

    static let message = """
    {{<layout}}
    {{$title}}{{heading}}{{/title}}
    {{$content}}
    <section class="card narrow"><h1>{{heading}}</h1><p>{{text}}</p><p>\
    <a href="/">Back to the overview</a></p></section>
    {{/content}}
    {{/layout}}
    """
}
