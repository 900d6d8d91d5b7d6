extension DashboardTemplates {
    /// The one stylesheet, served at `/assets/handoff.css` (the pages' content security policy allows no inline style).
    static let stylesheet = """
    :root { --ink: #1d2330; --muted: #5d6677; --line: #dde2ea; --bg: #f5f7fa; --card: #fff; --accent: #1f5fbf; \
    --good: #1e7a46; --bad: #b3261e; --warn: #9a6400; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: var(--bg); }
    header.top { display: flex; align-items: center; gap: 1.5rem; padding: .75rem 1.5rem; background: #14213d; \
    color: #fff; flex-wrap: wrap; }
    header.top a { color: #fff; text-decoration: none; }
    .brand { font-weight: 700; font-size: 1.2rem; letter-spacing: .02em; }
    .business { color: #c9d3e6; }
    header nav { display: flex; flex-wrap: wrap; gap: .25rem .75rem; flex: 1; }
    header nav a { padding: .25rem .5rem; border-radius: 4px; }
    header nav a[aria-current=page] { background: rgba(255,255,255,.18); }
    .logout button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.5); }
    main { max-width: 1180px; margin: 0 auto; padding: 1.25rem 1.5rem 2rem; }
    h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
    h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
    h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
    .muted { color: var(--muted); font-weight: normal; font-size: .9em; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; \
    margin-bottom: 1.25rem; overflow-x: auto; }
    .card.narrow { max-width: 460px; margin: 2rem auto; }
    .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 1rem; \
    margin-bottom: 1.25rem; }
    .tile { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--accent); \
    border-radius: 8px; padding: .75rem 1rem; }
    .tile.good { border-left-color: var(--good); } .tile.bad { border-left-color: var(--bad); } \
    .tile.warn { border-left-color: var(--warn); }
    .tile .label { color: var(--muted); font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; }
    .tile .value { font-size: 1.35rem; font-weight: 700; margin: .15rem 0; font-variant-numeric: tabular-nums; }
    .tile .value.small { font-size: 1.05rem; }
    .tile .sub { color: var(--muted); font-size: .85rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td.barcell { width: 35%; }
    svg.bar { width: 100%; height: 12px; display: block; } svg.bar rect { fill: var(--accent); }
    tr.bad td { background: #fdf1f0; } tr.warn td { background: #fff8e6; }
    .mono { font-family: "DejaVu Sans Mono", monospace; font-size: .85rem; overflow-wrap: break-word; min-width: 12ch; }
    td.when { white-space: nowrap; color: var(--muted); font-size: .85rem; font-variant-numeric: tabular-nums; }
    .error { color: var(--bad); font-weight: 600; overflow-wrap: anywhere; }
    td.what { min-width: 22rem; }
    .advice { color: var(--ink); font-size: .9rem; margin: .2rem 0; }
    .empty { color: var(--muted); font-style: italic; }
    ul.attention { list-style: none; padding: 0; margin: 0; } \
    ul.attention li { border-top: 1px solid #e3e6ea; padding: .6rem 0; }
    ul.attention .when { color: #5b6470; font-size: .85rem; } \
    ul.attention .detail { font-family: monospace; font-size: .85rem; overflow-wrap: anywhere; }
    ul.attention .actions { display: flex; gap: .8rem; align-items: center; margin-top: .3rem; }
    .flash { padding: .6rem 1rem; border-radius: 6px; background: #e8f1ff; border: 1px solid #b9d1f7; }
    .flash.bad { background: #fdf1f0; border-color: #f0b8b3; } \
    .flash.good { background: #e9f6ee; border-color: #b5dfc4; }
    button { font: inherit; padding: .35rem .8rem; border-radius: 5px; border: 1px solid #9aa7bd; background: #fff; \
    cursor: pointer; }
    button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
    .cardhead { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; \
    gap: .25rem 1rem; margin-bottom: .75rem; }
    .cardhead h2 { margin: 0; }
    form.confirm { margin: .75rem 0; }
    .card.flat { padding: .25rem .5rem; }
    .search.filters { align-items: flex-end; gap: .5rem .75rem; }
    .filters .field { display: flex; flex-direction: column; gap: .15rem; } .filters .field.wide { flex: 1; }
    .filters .field label { font-size: .8rem; color: var(--muted); }
    .filters .field.check { flex-direction: row; align-items: center; gap: .35rem; padding-bottom: .4rem; }
    .filters .field.check label { font-size: inherit; color: inherit; }
    .filters .field.check input { width: auto; min-width: 0; flex: none; margin: 0; }
    h1 .muted { white-space: nowrap; }
    select { font: inherit; padding: .35rem .5rem; border: 1px solid #9aa7bd; border-radius: 5px; background: #fff; }
    .forms { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem 1.5rem; }
    form.stack { display: grid; gap: .35rem; align-content: start; justify-items: start; }
    form.stack input, form.stack select { width: 100%; }
    .state { color: var(--good); font-weight: 600; } .state.bad { color: var(--bad); }
    ul.differences { margin: 0; padding-left: 1.2rem; }
    .actions { display: flex; gap: .75rem; margin: .75rem 0; }
    .search { display: flex; gap: .5rem; align-items: center; margin-bottom: .5rem; flex-wrap: wrap; }
    .search input { flex: 1; min-width: 200px; }
    input { font: inherit; padding: .4rem .6rem; border: 1px solid #9aa7bd; border-radius: 5px; }
    .narrow form { display: grid; gap: .5rem; }
    .count { color: var(--muted); }
    .pager { display: flex; justify-content: space-between; margin-top: .75rem; }
    .tag { background: #fff1d6; color: var(--warn); border-radius: 4px; padding: 0 .4rem; font-size: .8rem; \
    white-space: nowrap; }
    .tag.bad { background: #fdf1f0; color: var(--bad); }
    ol.story { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
    ol.story li { padding: .3rem .75rem; position: relative; }
    ol.story li::before { content: ""; position: absolute; left: -7px; top: .75rem; width: 11px; height: 11px; \
    border-radius: 50%; background: var(--accent); }
    ol.story li.good::before { background: var(--good); } ol.story li.bad::before { background: var(--bad); } \
    ol.story li.warn::before { background: var(--warn); }
    ol.story time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .5rem; }
    ol.story .amount { font-variant-numeric: tabular-nums; font-weight: 600; }
    ol.story .source { color: var(--muted); font-size: .8rem; margin-left: .5rem; }
    .health.good { color: var(--good); } .health.bad { color: var(--bad); font-weight: 600; }
    dl.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: .5rem 1rem; \
    margin: .5rem 0 1rem; }
    dl.facts dt { color: var(--muted); font-size: .8rem; text-transform: uppercase; } dl.facts dd { margin: 0; }
    svg.chart { width: 100%; max-width: 720px; height: auto; display: block; margin: .5rem 0 1rem; }
    svg.chart .grid { stroke: var(--line); } svg.chart .axis { fill: var(--muted); font-size: 11px; }
    svg.chart .placed { fill: #b9cdee; } svg.chart .collected { fill: var(--good); } \
    svg.chart .rate { fill: var(--ink); font-size: 11px; font-weight: 600; }
    footer { text-align: center; color: var(--muted); font-size: .8rem; padding: 1rem; }
    td.summary { max-width: 420px; }
    /* A wide table scrolls sideways inside its own box, never the page. */
    .scroll { overflow-x: auto; max-width: 100%; }
    /* A date never breaks at its hyphens. */
    td.date, dd.date, th.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
    ol.story time { white-space: nowrap; }
    .who { color: #c9d3e6; font-size: .85rem; white-space: nowrap; }
    .flash.viewer { margin-top: 0; }
    tr.muted td { color: var(--muted); }
    .token-value { font-size: 1rem; background: var(--bg); padding: .5rem .75rem; border-radius: 5px; \
    overflow-wrap: anywhere; }
    /* A phone (390 px): the navigation wraps under the brand, the page uses the whole width, and
       wide tables keep readable columns and scroll sideways inside their own box rather than
       squeezing their columns, stacking or running off the page. */
    @media (max-width: 640px) {
      header.top { gap: .4rem 1rem; padding: .6rem .9rem; }
      header nav { flex-basis: 100%; order: 3; gap: .2rem .4rem; }
      header nav a { padding: .2rem .4rem; }
      .logout { margin-left: auto; }
      main { padding: .75rem .6rem 1.5rem; }
      .card { padding: .75rem .8rem; }
      .search input { min-width: 0; width: 100%; }
      .filters .field, .filters .field.wide { flex: 1 1 100%; }
      th, td { padding: .35rem .45rem; }
      svg.chart { min-width: 560px; }
      .scroll > table { min-width: 36rem; }
      .scroll > table.wide { min-width: 52rem; }
      .scroll > table.aging { min-width: 0; }
      .who { order: 2; }
    }
    """
}
