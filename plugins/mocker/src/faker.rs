//! Fake values for `{{faker.*}}` template placeholders, drawn from small built-in word lists.
//!
//! Kinds (Bifrost's set): `name`, `first_name`, `last_name`, `email`, `phone`, `address`,
//! `city`, `state`, `zip_code`, `company`, `job_title`, `lorem_ipsum[:words]` (default 10),
//! `uuid`, `hex_color`, `integer[:min,max]` (default 1,100), `float[:min,max]` (default 0,100,
//! two decimals), `boolean`, `date` (`YYYY-MM-DD`), `datetime` (`YYYY-MM-DD HH:MM:SS`), `word`,
//! `sentence[:words]` (default 8).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::random::Random;

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
];

const CITIES: &[&str] = &[
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Bristol",
    "Clinton",
    "Fairview",
    "Salem",
    "Madison",
    "Georgetown",
    "Arlington",
    "Ashland",
    "Dover",
    "Oxford",
    "Jackson",
    "Burlington",
];

const STATES: &[&str] = &[
    "Alabama",
    "Arizona",
    "California",
    "Colorado",
    "Florida",
    "Georgia",
    "Illinois",
    "Kansas",
    "Maine",
    "Michigan",
    "Nevada",
    "New York",
    "Ohio",
    "Oregon",
    "Texas",
    "Utah",
    "Vermont",
    "Washington",
];

const STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Sunset",
    "River",
];

const STREET_SUFFIXES: &[&str] = &["Street", "Avenue", "Road", "Lane", "Drive", "Court"];

const COMPANY_SUFFIXES: &[&str] = &["Inc", "LLC", "Group", "and Sons", "Ltd", "Corp"];

const JOB_TITLES: &[&str] = &[
    "Software Engineer",
    "Product Manager",
    "Data Scientist",
    "Account Executive",
    "Marketing Coordinator",
    "Financial Analyst",
    "Operations Manager",
    "UX Designer",
    "Customer Success Manager",
    "Research Scientist",
    "Technical Writer",
    "Sales Director",
    "Office Administrator",
    "DevOps Engineer",
    "Chief Executive Officer",
];

const EMAIL_DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.test"];

const LOREM: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "ad",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "ex",
    "ea",
    "commodo",
    "consequat",
    "duis",
    "aute",
    "irure",
    "in",
    "reprehenderit",
    "voluptate",
    "velit",
    "esse",
    "cillum",
    "fugiat",
    "nulla",
    "pariatur",
    "excepteur",
    "sint",
    "occaecat",
    "cupidatat",
    "non",
    "proident",
    "sunt",
    "culpa",
    "qui",
    "officia",
    "deserunt",
    "mollit",
    "anim",
    "id",
    "est",
    "laborum",
];

/// Longest sentence a placeholder may ask for (keeps a typo from allocating megabytes).
const MAX_WORDS: i64 = 1_000;

/// The value of `{{faker.<method>}}`, or `None` when the kind is unknown.
pub(crate) fn fake(method: &str, rng: &Random) -> Option<String> {
    let mut parts = method.split(':');
    let kind = parts.next().unwrap_or_default();
    let arg = parts.next();
    Some(match kind {
        "name" => format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)),
        "first_name" => rng.pick(FIRST_NAMES).to_owned(),
        "last_name" => rng.pick(LAST_NAMES).to_owned(),
        "email" => format!(
            "{}.{}@{}",
            rng.pick(FIRST_NAMES).to_lowercase(),
            rng.pick(LAST_NAMES).to_lowercase(),
            rng.pick(EMAIL_DOMAINS)
        ),
        "phone" => format!(
            "({}) {}-{:04}",
            rng.i64(200..=999),
            rng.i64(200..=999),
            rng.i64(0..=9999)
        ),
        "address" => format!(
            "{} {} {}, {}, {} {:05}",
            rng.i64(1..=9999),
            rng.pick(STREETS),
            rng.pick(STREET_SUFFIXES),
            rng.pick(CITIES),
            rng.pick(STATES),
            rng.i64(1..=99_999)
        ),
        "city" => rng.pick(CITIES).to_owned(),
        "state" => rng.pick(STATES).to_owned(),
        "zip_code" => format!("{:05}", rng.i64(1..=99_999)),
        "company" => format!("{} {}", rng.pick(LAST_NAMES), rng.pick(COMPANY_SUFFIXES)),
        "job_title" => rng.pick(JOB_TITLES).to_owned(),
        "lorem_ipsum" => sentence(rng, word_count(arg, 10)),
        "sentence" => sentence(rng, word_count(arg, 8)),
        "word" => rng.pick(LOREM).to_owned(),
        "uuid" => {
            let mut bytes = [0u8; 16];
            rng.fill(&mut bytes);
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string()
        }
        "hex_color" => format!("#{:06x}", rng.i64(0..=0xff_ffff)),
        "integer" => {
            let (lo, hi) = bounds(arg, (1, 100));
            rng.i64(lo.min(hi)..=lo.max(hi)).to_string()
        }
        "float" => {
            let (lo, hi) = bounds(arg, (0, 100));
            let (lo, hi) = (lo.min(hi) as f64, lo.max(hi) as f64);
            format!("{:.2}", lo + rng.f64() * (hi - lo))
        }
        "boolean" => rng.bool().to_string(),
        "date" => {
            let (date, _) = civil(random_unix_seconds(rng));
            date
        }
        "datetime" => {
            let (date, time) = civil(random_unix_seconds(rng));
            format!("{date} {time}")
        }
        _ => return None,
    })
}

/// Reads a leading integer as Go's `fmt.Sscanf("%d")` does (`"20"`, `" 20x"`); `None` if absent.
fn scan_int(text: &str) -> Option<i64> {
    let t = text.trim_start();
    let sign_len = usize::from(t.starts_with(['-', '+']));
    let digits = t[sign_len..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(t.len() - sign_len);
    if digits == 0 {
        return None;
    }
    t[..sign_len + digits].parse().ok()
}

fn word_count(arg: Option<&str>, default: i64) -> usize {
    let n = arg.and_then(scan_int).unwrap_or(default);
    usize::try_from(n.clamp(0, MAX_WORDS)).unwrap_or(0)
}

/// `min,max` from the placeholder's argument; each falls back to its default on its own, and
/// both stay at their defaults unless two values are given.
fn bounds(arg: Option<&str>, default: (i64, i64)) -> (i64, i64) {
    let Some(arg) = arg else { return default };
    let mut params = arg.split(',');
    match (params.next(), params.next()) {
        (Some(lo), Some(hi)) => (
            scan_int(lo).unwrap_or(default.0),
            scan_int(hi).unwrap_or(default.1),
        ),
        _ => default,
    }
}

/// `words` lorem words, the first capitalised, ending with a period.
fn sentence(rng: &Random, words: usize) -> String {
    let mut out = String::with_capacity(words * 7);
    for i in 0..words {
        let word = rng.pick(LOREM);
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(word);
        }
    }
    if words > 0 {
        out.push('.');
    }
    out
}

fn random_unix_seconds(rng: &Random) -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    rng.i64(0..=now.max(0))
}

/// UTC `("YYYY-MM-DD", "HH:MM:SS")` of a Unix time (Howard Hinnant's `civil_from_days`).
fn civil(unix: i64) -> (String, String) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(method: &str) -> String {
        fake(method, &Random::seeded(42)).unwrap()
    }

    #[test]
    fn names_come_from_the_lists() {
        let name = value("name");
        let (first, last) = name.split_once(' ').unwrap();
        assert!(
            FIRST_NAMES.contains(&first) && LAST_NAMES.contains(&last),
            "{name}"
        );
        assert!(FIRST_NAMES.contains(&value("first_name").as_str()));
        assert!(LAST_NAMES.contains(&value("last_name").as_str()));
        assert!(CITIES.contains(&value("city").as_str()));
        assert!(STATES.contains(&value("state").as_str()));
        assert!(JOB_TITLES.contains(&value("job_title").as_str()));
        assert!(LOREM.contains(&value("word").as_str()));
        let email = value("email");
        let (local, domain) = email.split_once('@').unwrap();
        assert!(
            local.contains('.') && EMAIL_DOMAINS.contains(&domain),
            "{email}"
        );
    }

    #[test]
    fn formatted_kinds_have_their_shape() {
        let phone = value("phone");
        assert_eq!(phone.len(), 14, "{phone}");
        assert!(
            phone.starts_with('(') && phone.as_bytes()[9] == b'-',
            "{phone}"
        );
        let zip = value("zip_code");
        assert!(
            zip.len() == 5 && zip.chars().all(|c| c.is_ascii_digit()),
            "{zip}"
        );
        let color = value("hex_color");
        assert!(color.len() == 7 && color.starts_with('#'), "{color}");
        assert!(u32::from_str_radix(&color[1..], 16).is_ok());
        let id = uuid::Uuid::parse_str(&value("uuid")).unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert!(["true", "false"].contains(&value("boolean").as_str()));
        let address = value("address");
        assert_eq!(address.matches(", ").count(), 2, "{address}");
    }

    #[test]
    fn numbers_respect_their_bounds() {
        let rng = Random::seeded(1);
        for _ in 0..100 {
            let n: i64 = fake("integer:5,7", &rng).unwrap().parse().unwrap();
            assert!((5..=7).contains(&n));
            let d: i64 = fake("integer", &rng).unwrap().parse().unwrap();
            assert!((1..=100).contains(&d));
            let f = fake("float:2,3", &rng).unwrap();
            assert_eq!(f.split('.').nth(1).unwrap().len(), 2, "{f}");
            let f: f64 = f.parse().unwrap();
            assert!((2.0..=3.0).contains(&f));
        }
        // A bad bound falls back to its own default; a single value keeps both defaults.
        let n: i64 = fake("integer:x,1", &rng).unwrap().parse().unwrap();
        assert_eq!(n, 1);
        let n: i64 = fake("integer:500", &rng).unwrap().parse().unwrap();
        assert!((1..=100).contains(&n));
    }

    #[test]
    fn sentences_have_the_requested_length() {
        let s = value("lorem_ipsum:4");
        assert_eq!(s.split(' ').count(), 4, "{s}");
        assert!(
            s.ends_with('.') && s.chars().next().unwrap().is_uppercase(),
            "{s}"
        );
        assert_eq!(value("lorem_ipsum").split(' ').count(), 10);
        assert_eq!(value("sentence").split(' ').count(), 8);
        assert_eq!(value("sentence:3").split(' ').count(), 3);
        assert_eq!(value("sentence:oops").split(' ').count(), 8);
    }

    #[test]
    fn dates_are_formatted_in_utc() {
        assert_eq!(civil(0), ("1970-01-01".into(), "00:00:00".into()));
        assert_eq!(
            civil(1_709_210_096),
            ("2024-02-29".into(), "12:34:56".into())
        );
        let date = value("date");
        assert_eq!(date.len(), 10);
        assert_eq!(&date[4..5], "-");
        let datetime = value("datetime");
        assert_eq!(datetime.len(), 19, "{datetime}");
    }

    #[test]
    fn unknown_kinds_are_none() {
        assert_eq!(fake("favourite_colour", &Random::Thread), None);
    }
}
