//! `dossier serve` as a child process on a free port: pages over HTTP, live rebuilds after
//! edits, atomic saves and deletions, the reload event, the error overlay, refused
//! traversal, concurrent requests and a clean Ctrl-C.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

fn report(id: &str, date: &str, country: &str, title: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\ndate: {date}\nlanguage: en\ncountries: [{country}]\ntopics: [Police]\naccessed: {date}\n---\n\n## Findings\n\nA claim [@hrw-2024, p. 4].\n"
    )
}

fn site() -> Site {
    Site::minimal(&[
        ("content/reports/r-one.md", &report("r-one", "2024-03-01", "Austria", "First report")),
        ("content/reports/r-two.md", &report("r-two", "2024-02-01", "Kazakhstan", "Second report")),
        ("static/img/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        ("static/data.json", "{}"),
    ])
}

/// A running `dossier serve`, killed when dropped.
struct Served {
    child: Child,
    addr: String,
    lines: mpsc::Receiver<String>,
}

impl Served {
    fn start(site: &Site) -> Served {
        let mut child = dossier()
            .arg("--root")
            .arg(site.root())
            .args(["serve", "--port", "0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start dossier serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served { child, addr: String::new(), lines };
        let line = served.wait_line("Serving at ");
        let url = line.split("Serving at http://").nth(1).unwrap().split('/').next().unwrap();
        served.addr = url.to_string();
        served
    }

    /// Waits for a line of stderr containing `needle`, and returns it.
    fn wait_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(l) => seen.push(l),
                Err(_) => break,
            }
        }
        panic!("no line with {needle:?} on stderr; saw:\n{}", seen.join("\n"));
    }

    fn get(&self, target: &str) -> Response {
        request(&self.addr, "GET", target, &[])
    }

    /// Fetches `target` until `pred` holds (rebuilds take a moment).
    fn get_until(&self, target: &str, pred: impl Fn(&Response) -> bool) -> Response {
        let deadline = Instant::now() + WAIT;
        loop {
            let r = self.get(target);
            if pred(&r) {
                return r;
            }
            assert!(Instant::now() < deadline, "{target} never matched; last response {}:\n{}", r.status, r.body);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection, with the target sent exactly as given.
fn request(addr: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(WAIT)).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response head");
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_string(), v.trim().to_string())).collect();
    Response { status, headers, body: body.to_string() }
}

/// The server-sent event stream of a page.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(addr: &str) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        s.write_all(format!("GET /__dossier/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
        let mut reader = BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut l = String::new();
            reader.read_line(&mut l).unwrap();
            if l == "\r\n" || l.is_empty() {
                break;
            }
            head.push_str(&l);
        }
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Content-Type: text/event-stream"), "{head}");
        Events { reader }
    }

    /// The next `state` event's data.
    fn next(&mut self) -> serde_json::Value {
        let mut event = String::new();
        let deadline = Instant::now() + WAIT;
        loop {
            assert!(Instant::now() < deadline, "no state event in time");
            let mut l = String::new();
            let n = self.reader.read_line(&mut l).expect("an event before the timeout");
            assert!(n > 0, "the event stream closed");
            let l = l.trim_end();
            if let Some(e) = l.strip_prefix("event: ") {
                event = e.to_string();
            } else if let Some(data) = l.strip_prefix("data: ")
                && event == "state"
            {
                return serde_json::from_str(data).unwrap();
            }
        }
    }
}

#[test]
fn serves_pages_with_proper_http() {
    let s = site();
    let srv = Served::start(&s);

    let home = srv.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(home.body.contains("First report") && home.body.contains("dossier-live"), "{}", home.body);
    assert_eq!(home.header("Content-Length").unwrap().parse::<usize>().unwrap(), home.body.len());

    for (path, ty) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/img/logo.svg", "image/svg+xml"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ] {
        let r = srv.get(path);
        assert_eq!((r.status, r.header("Content-Type")), (200, Some(ty)), "{path}");
    }
    // Serve mode lives at "/", whatever path base_url has.
    assert!(srv.get("/atom.xml").body.contains(&format!("http://{}/reports/r-one/", srv.addr)));

    let report = srv.get("/reports/r-one/");
    assert_eq!(report.status, 200);
    assert!(report.body.contains("First report"));
    let moved = srv.get("/reports/r-one");
    assert_eq!((moved.status, moved.header("Location")), (301, Some("/reports/r-one/")));

    let missing = srv.get("/reports/nothing-here/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(missing.body.contains("<h1>"), "the theme's 404 page: {}", missing.body);

    let head = request(&srv.addr, "HEAD", "/", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("Content-Length"), home.header("Content-Length"));

    let etag = home.header("ETag").expect("an ETag");
    let again = request(&srv.addr, "GET", "/", &[("If-None-Match", etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = request(&srv.addr, "GET", "/", &[("If-None-Match", "\"something-else\"")]);
    assert_eq!(other.status, 200);

    assert_eq!(request(&srv.addr, "POST", "/", &[]).status, 405);
    // Serving writes nothing into the site's folder.
    assert!(!s.root().join("public").exists());
}

#[test]
fn build_output_has_no_reload_script() {
    let s = site();
    ok(&s.build());
    for f in html_files(&s.out()) {
        let text = std::fs::read_to_string(s.out().join(&f)).unwrap();
        assert!(!text.contains("dossier-live") && !text.contains("__dossier"), "{f}");
    }
}

#[test]
fn an_edit_rebuilds_and_sends_the_reload_event() {
    let s = site();
    let mut srv = Served::start(&s);
    let mut events = Events::open(&srv.addr);
    let first = events.next();
    assert_eq!(first["errors"], "");

    s.write("content/reports/r-one.md", &report("r-one", "2024-03-01", "Austria", "First report, revised"));
    let next = events.next();
    assert_ne!(next["version"], first["version"], "{next}");
    let page = srv.get("/reports/r-one/");
    assert!(page.body.contains("First report, revised"), "{}", page.body);
    assert!(srv.get("/reports/").body.contains("First report, revised"));
    let line = srv.wait_line("Rebuilt in ");
    assert!(line.contains(" ms") && line.contains("1 report") && line.contains("content/reports/r-one.md"), "{line}");

    // An editor's atomic save: write a temporary file, then rename it over the report.
    s.write("content/reports/.r-two.md.tmp", &report("r-two", "2024-02-01", "Kazakhstan", "Second, saved atomically"));
    std::fs::rename(s.root().join("content/reports/.r-two.md.tmp"), s.root().join("content/reports/r-two.md")).unwrap();
    srv.get_until("/reports/r-two/", |r| r.body.contains("Second, saved atomically"));

    // A new report gets its page and its place in the listings.
    s.write("content/reports/sub/r-three.md", &report("r-three", "2024-04-01", "Austria", "Third report"));
    srv.get_until("/reports/r-three/", |r| r.status == 200);
    assert!(srv.get("/countries/austria/").body.contains("Third report"));
}

#[test]
fn a_deleted_report_leaves_its_page_and_listings() {
    let s = site();
    let srv = Served::start(&s);
    assert!(srv.get("/reports/").body.contains("Second report"));
    assert_eq!(srv.get("/countries/kazakhstan/").status, 200);
    std::fs::remove_file(s.root().join("content/reports/r-two.md")).unwrap();
    srv.get_until("/reports/r-two/", |r| r.status == 404);
    assert!(!srv.get("/reports/").body.contains("Second report"));
    assert!(!srv.get("/").body.contains("Second report"));
    assert_eq!(srv.get("/countries/kazakhstan/").status, 404, "a country without reports has no page");
    assert!(!srv.get("/sources/hrw-2024/").body.contains("Second report"));

    // A renamed report file keeps its page: the id decides the address.
    std::fs::rename(s.root().join("content/reports/r-one.md"), s.root().join("content/reports/moved.md")).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(srv.get_until("/reports/r-one/", |r| r.status == 200).status, 200);
}

#[test]
fn broken_front_matter_shows_an_overlay_until_fixed() {
    let s = site();
    let mut srv = Served::start(&s);
    let mut events = Events::open(&srv.addr);
    let first = events.next();

    s.write("content/reports/r-one.md", "---\nid: r-one\ntitle: [unclosed\ndate: 2024-03-01\n---\n\nText.\n");
    let broken = events.next();
    let errors = broken["errors"].as_str().unwrap();
    assert!(errors.contains("content/reports/r-one.md:"), "{errors}");
    assert_eq!(broken["version"], first["version"], "the pages stay as they were");
    srv.wait_line("still serving the last good pages");

    // The last good pages are still served, with the error on top, with file:line:column.
    let page = srv.get("/reports/r-one/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("First report"));
    assert!(page.body.contains("id=\"dossier-overlay\""), "{}", page.body);
    let loc = errors.lines().find(|l| l.contains("--> ")).unwrap().split("--> ").nth(1).unwrap().trim();
    assert_eq!(loc.matches(':').count(), 2, "file:line:column in {loc}");
    assert!(page.body.contains(loc), "{loc} not in the overlay");
    assert!(srv.get("/style.css").header("Content-Type").unwrap().starts_with("text/css"));

    s.write("content/reports/r-one.md", &report("r-one", "2024-03-01", "Austria", "First report, fixed"));
    let fixed = events.next();
    assert_eq!(fixed["errors"], "");
    assert_ne!(fixed["version"], first["version"]);
    let page = srv.get("/reports/r-one/");
    assert!(page.body.contains("First report, fixed") && !page.body.contains("id=\"dossier-overlay\""));
}

#[test]
fn a_broken_template_shows_the_overlay_and_recovers() {
    let s = site();
    let mut srv = Served::start(&s);
    s.write(
        "templates/term.html",
        "{% extends \"base.html\" %}\n{% block main %}{{ term.name }\n{% endblock main %}\n",
    );
    let line = srv.wait_line("templates/term.html:");
    assert!(line.contains("templates/term.html:2:"), "{line}");
    srv.get_until("/", |r| r.body.contains("id=\"dossier-overlay\""));
    std::fs::remove_file(s.root().join("templates/term.html")).unwrap();
    srv.get_until("/", |r| !r.body.contains("id=\"dossier-overlay\""));
}

#[test]
fn traversal_is_refused() {
    let s = site();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), s.root().join("static/leak.txt")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), s.root().join("static/outside")).unwrap();
    let srv = Served::start(&s);
    for target in [
        "/../site.toml",
        "/../../etc/passwd",
        "/reports/../../site.toml",
        "/%2e%2e/site.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/reports/%2e%2e%2f%2e%2e%2fsite.toml",
        "/..%2fsite.toml",
        "/..%5csite.toml",
        "/..\\site.toml",
        "/reports\\..\\..\\site.toml",
        "/%00",
        "/%zz",
        "/leak.txt",
        "/outside/secret.txt",
        "/site.toml",
        "/content/reports/r-one.md",
        "site.toml",
    ] {
        let r = srv.get(target);
        assert!(r.status == 400 || r.status == 404, "{target}: {}", r.status);
        assert!(!r.body.contains("secret") && !r.body.contains("base_url"), "{target}");
    }
    assert_eq!(srv.get("/img/logo.svg").status, 200);
}

#[test]
fn two_hundred_concurrent_requests_succeed() {
    let s = site();
    let srv = Served::start(&s);
    let addr = srv.addr.clone();
    let paths = ["/", "/reports/", "/reports/r-one/", "/style.css", "/sources/hrw-2024/"];
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let addr = addr.clone();
            let path = paths[i % paths.len()];
            std::thread::spawn(move || request(&addr, "GET", path, &[]))
        })
        .collect();
    for h in handles {
        let r = h.join().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Length").unwrap().parse::<usize>().unwrap(), r.body.len());
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let s = site();
    let mut srv = Served::start(&s);
    let _events = Events::open(&srv.addr);
    unsafe {
        libc::kill(srv.child.id() as libc::pid_t, libc::SIGINT);
    }
    srv.wait_line("Stopped.");
    let status = srv.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(TcpStream::connect(&srv.addr).is_err());
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    let s = site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = dossier()
        .arg("--root")
        .arg(s.root())
        .args(["serve", "--port", &port.to_string()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    while !text.contains("Serving at") {
        let mut l = String::new();
        if reader.read_line(&mut l).unwrap() == 0 {
            break;
        }
        text.push_str(&l);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains(&format!("Port {port} is taken")), "{text}");
    assert!(!text.contains(&format!("Serving at http://127.0.0.1:{port}/")), "{text}");
}

/// Every file of the served site, compared with what `dossier build` writes for the same
/// content (the reload script taken out).
fn assert_matches_full_build(s: &Site, srv: &Served) {
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    let base = format!("http://{}/", srv.addr);
    ok(&s.run(&["build", "--out", out.to_str().unwrap(), "--base-url", &base]));
    for f in walk(&out).into_iter().filter(|f| f != ".dossier-output") {
        let want = std::fs::read_to_string(out.join(&f)).unwrap();
        let r = srv.get(&format!("/{f}"));
        assert_eq!(r.status, 200, "{f}");
        let mut got = r.body.clone();
        if let Some(a) = got.find("<script id=\"dossier-live\"") {
            let b = a + got[a..].find("</script>\n").unwrap() + "</script>\n".len();
            got.replace_range(a..b, "");
        }
        assert!(got == want, "{f} differs from a full build:\n--- served\n{got}\n--- built\n{want}");
    }
}

#[test]
fn incremental_rebuilds_match_a_full_build() {
    let s = site();
    s.write("site.toml", &format!("{SITE_TOML}[listing]\npage_size = 2\nlist_size = 3\n"));
    for (id, date, country) in
        [("r-a", "2023-01-05", "Austria"), ("r-b", "2023-06-01", "Kazakhstan"), ("r-c", "2022-02-02", "Austria")]
    {
        s.write(&format!("content/reports/{id}.md"), &report(id, date, country, &format!("Report {id}")));
    }
    let mut srv = Served::start(&s);
    assert_matches_full_build(&s, &srv);
    // Five reports cite hrw-2024, three to a page of it.
    assert_eq!(srv.get("/sources/hrw-2024/page/2/").status, 200);
    let ra = || report("r-a", "2023-01-05", "Austria", "Renamed B");
    // What each step changes, whether only report bodies changed (the last model is patched), and the change.
    let steps: &[(&str, bool, &dyn Fn())] = &[
        ("a new title", true, &|| {
            s.write("content/reports/r-a.md", &report("r-a", "2023-01-05", "Austria", "Renamed A"))
        }),
        ("another page cited", true, &|| {
            let text = report("r-a", "2023-01-05", "Austria", "Renamed A");
            s.write("content/reports/r-a.md", &text.replace("p. 4", "p. 9"))
        }),
        ("body text only", true, &|| {
            let text = report("r-a", "2023-01-05", "Austria", "Renamed A");
            s.write("content/reports/r-a.md", &format!("{}\nMore text.\n", text.replace("p. 4", "p. 9")))
        }),
        ("a source declared in the report", false, &|| {
            let text = report("r-a", "2023-01-05", "Austria", "Renamed A").replace(
                "accessed: 2023-01-05\n",
                "accessed: 2023-01-05\nsources:\n  own-1:\n    organisation: hrw\n    title: Own Record\n    date: 2023-01-01\n",
            );
            s.write("content/reports/r-a.md", &format!("{}\nSee [@own-1].\n", text))
        }),
        ("a title of the same length, the declared source gone", false, &|| s.write("content/reports/r-a.md", &ra())),
        ("the same title again, the other one of the same length", true, &|| {
            s.write("content/reports/r-a.md", &report("r-a", "2023-01-05", "Austria", "Renamed C"))
        }),
        ("and back", true, &|| s.write("content/reports/r-a.md", &ra())),
        ("a summary and a type", true, &|| {
            let text = ra().replace("language: en\n", "language: en\nsummary: In short.\ntype: Query response\n");
            s.write("content/reports/r-a.md", &text)
        }),
        ("the summary and type gone again", true, &|| s.write("content/reports/r-a.md", &ra())),
        ("another country", false, &|| {
            s.write("content/reports/r-b.md", &report("r-b", "2023-06-01", "Austria", "Report r-b"))
        }),
        ("a new report", false, &|| {
            s.write("content/reports/r-d.md", &report("r-d", "2021-01-01", "Germany", "Report r-d"))
        }),
        ("a later date", false, &|| {
            s.write("content/reports/r-c.md", &report("r-c", "2025-01-01", "Austria", "Report r-c"))
        }),
        ("a deleted report", false, &|| std::fs::remove_file(s.root().join("content/reports/r-two.md")).unwrap()),
        ("a new source file", false, &|| {
            s.write(
                "content/sources/more.yaml",
                "hrw-2023:\n  organisation: hrw\n  title: World Report 2023\n  date: 2023-01-12\n",
            )
        }),
        ("a second source cited", true, &|| {
            s.write("content/reports/r-a.md", &format!("{}Another [@hrw-2023, p. 2].\n", ra()))
        }),
        ("an excerpt added", true, &|| {
            s.write(
                "content/reports/r-a.md",
                &format!(
                    "{}Another [@hrw-2023, p. 2].\n\n## Excerpts\n\n> Quoted words.\n>\n> [@hrw-2023, p. 2]\n",
                    ra()
                ),
            )
        }),
        ("the first source no longer cited", true, &|| {
            let text = ra().replace("A claim [@hrw-2024, p. 4].", "A claim [@hrw-2023, p. 3].");
            s.write("content/reports/r-a.md", &text)
        }),
        ("another accessed date", true, &|| {
            let text = ra().replace("A claim [@hrw-2024, p. 4].", "A claim [@hrw-2023, p. 3].");
            s.write("content/reports/r-a.md", &text.replace("accessed: 2023-01-05", "accessed: 2023-02-07"))
        }),
        ("a save through an editor's temporary file", true, &|| {
            let text = ra().replace("A claim [@hrw-2024, p. 4].", "A claim [@hrw-2023, p. 5].");
            let tmp = s.root().join("content/reports/r-a.md___jb_tmp___");
            std::fs::write(&tmp, text).unwrap();
            std::fs::rename(&tmp, s.root().join("content/reports/r-a.md")).unwrap();
        }),
        ("two reports at once", true, &|| {
            s.write(
                "content/reports/r-b.md",
                &format!("{}More [@hrw-2023].\n", report("r-b", "2023-06-01", "Austria", "Report r-b")),
            );
            s.write(
                "content/reports/r-c.md",
                &format!("{}More [@hrw-2023].\n", report("r-c", "2025-01-01", "Austria", "Report r-c")),
            );
        }),
    ];
    for (what, patched, step) in steps {
        step();
        let mut line = srv.wait_line("Rebuilt in ");
        // Two files saved one after the other may come as two rebuilds; the second names the second file.
        while *what == "two reports at once" && !line.contains("r-c.md") {
            line = srv.wait_line("Rebuilt in ");
        }
        eprintln!("{what}: {line}");
        // The pages come first; the search index follows on its own.
        assert!(line.contains("the search index follows"), "{line}");
        assert_eq!(line.contains("patched"), *patched, "{what}: {line}");
        let line = srv.wait_line("Search index updated in ");
        eprintln!("{what}: {line}");
        assert_matches_full_build(&s, &srv);
    }
    assert_eq!(srv.get("/reports/r-two/").status, 404);
}

#[test]
fn a_broken_citation_stays_reported_while_other_reports_change() {
    let s = site();
    let mut srv = Served::start(&s);
    let mut events = Events::open(&srv.addr);
    let first = events.next();

    // Only a report's body changes: the last model is patched, and the unknown key is an error there as in a
    // whole build.
    let one = report("r-one", "2024-03-01", "Austria", "First report");
    s.write("content/reports/r-one.md", &format!("{one}\nBroken [@no-such-key].\n"));
    let broken = events.next();
    let errors = broken["errors"].as_str().unwrap().to_string();
    assert!(errors.contains("unknown source key `no-such-key`"), "{errors}");
    assert!(errors.contains("content/reports/r-one.md:15:8"), "file:line:column: {errors}");
    srv.wait_line("still serving the last good pages");

    // Another report changes: its page could be patched, but r-one is still broken, so the error stays.
    let two = report("r-two", "2024-02-01", "Kazakhstan", "Second report");
    s.write("content/reports/r-two.md", &format!("{two}\nNew words in r-two.\n"));
    srv.wait_line("still serving the last good pages");
    assert_eq!(srv.get("/reports/r-two/").status, 200);
    assert!(!srv.get("/reports/r-two/").body.contains("New words in r-two."), "no pages of a failed build go online");
    assert!(srv.get("/reports/r-one/").body.contains("id=\"dossier-overlay\""));

    // Fixing r-one publishes both changes and clears the overlay.
    s.write("content/reports/r-one.md", &format!("{one}\nFixed [@hrw-2024].\n"));
    let line = srv.wait_line("Rebuilt in ");
    assert!(line.contains("patched"), "{line}");
    let mut fixed = events.next();
    while fixed["errors"] != "" {
        fixed = events.next();
    }
    assert_ne!(fixed["version"], first["version"]);
    let page = srv.get("/reports/r-one/");
    assert!(page.body.contains("Fixed") && !page.body.contains("id=\"dossier-overlay\""), "{}", page.body);
    assert!(srv.get("/reports/r-two/").body.contains("New words in r-two."));
    srv.wait_line("Search index updated in ");
    assert_matches_full_build(&s, &srv);
}

#[test]
fn switching_search_off_while_serving_takes_the_index_page_and_search_box_away() {
    let s = site();
    let mut srv = Served::start(&s);
    srv.get_until("/search/manifest.js", |r| r.status == 200);
    assert_eq!(srv.get("/search/").status, 200);
    assert!(srv.get("/reports/r-one/").body.contains("role=\"search\""));

    s.write("site.toml", &format!("{SITE_TOML}[search]\nenabled = false\n"));
    srv.get_until("/reports/r-one/", |r| !r.body.contains("role=\"search\"") && !r.body.contains("/search/"));
    srv.get_until("/search/manifest.js", |r| r.status == 404);
    assert_eq!(srv.get("/search/").status, 404);
    assert_eq!(srv.get("/search.js").status, 404);
    // An edit rebuilds as before, and says nothing about a search index.
    s.write("content/reports/r-one.md", &report("r-one", "2024-03-01", "Austria", "First report, no search"));
    let line = srv.wait_line("after content/reports/r-one.md");
    assert!(!line.contains("search index"), "{line}");
    srv.get_until("/reports/r-one/", |r| r.body.contains("no search"));
    assert_matches_full_build(&s, &srv);
}

/// Name and nice value of each thread of process `pid`.
#[cfg(target_os = "linux")]
fn threads(pid: u32) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().filter_map(Result::ok) {
        let (Ok(comm), Ok(stat)) =
            (std::fs::read_to_string(task.path().join("comm")), std::fs::read_to_string(task.path().join("stat")))
        else {
            continue;
        };
        // After the name in brackets: state (field 3), …, nice (field 19).
        let nice = stat.rsplit_once(')').unwrap().1.split_whitespace().nth(16).unwrap().parse().unwrap();
        out.push((comm.trim().to_string(), nice));
    }
    out
}

#[cfg(target_os = "linux")]
#[test]
fn the_search_index_is_built_at_the_lowest_priority_and_pages_are_not() {
    let s = site();
    let mut srv = Served::start(&s);
    s.write("content/reports/r-one.md", &report("r-one", "2024-03-01", "Austria", "First report, indexed"));
    srv.wait_line("Search index updated in ");
    let manifest = srv.get("/search/manifest.js").body;
    assert!(manifest.contains("dossierSearch("), "{manifest}");
    let all = threads(srv.child.id());
    let index: Vec<i64> = all.iter().filter(|(n, _)| n == "dossier-index").map(|t| t.1).collect();
    assert!(!index.is_empty(), "no index threads: {all:?}");
    assert!(index.iter().all(|&n| n == 19), "{all:?}");
    // Every other thread, the page rebuilds' included, keeps the usual priority.
    assert!(all.iter().filter(|(n, _)| n != "dossier-index").all(|t| t.1 == 0), "{all:?}");
}

#[test]
fn saves_in_quick_succession_end_with_the_index_of_the_last() {
    let s = site();
    // Enough reports that an index takes a while to build, so the next save comes while one is being built.
    for i in 0..150 {
        let id = format!("r-x{i:03}");
        s.write(&format!("content/reports/x/{id}.md"), &report(&id, "2022-05-05", "Austria", &format!("Extra {i}")));
    }
    let mut srv = Served::start(&s);
    for i in 0..6 {
        s.write("content/reports/r-one.md", &report("r-one", "2024-03-01", "Austria", &format!("Quick save {i}")));
        srv.wait_line("Rebuilt in ");
    }
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("public");
    let base = format!("http://{}/", srv.addr);
    ok(&s.run(&["build", "--out", out.to_str().unwrap(), "--base-url", &base]));
    let manifest = std::fs::read_to_string(out.join("search/manifest.js")).unwrap();
    srv.get_until("/search/manifest.js", |r| r.body == manifest);
    assert_matches_full_build(&s, &srv);
}
