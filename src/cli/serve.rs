//! `initlab serve`: the live playground in the browser (see `initlab::serve`).

use crate::error::Result;
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on; anything but 127.0.0.1 lets others on that network use it.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
}

pub fn run(a: &Args) -> Result<()> {
    let host = a.host.trim();
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "::1");
    if !loopback {
        eprintln!(
            "warning: listening on {host}: anyone who can reach this machine on that network can use the playground \
             (and its CPU); use --host 127.0.0.1 to keep it local"
        );
    }
    let addr = if host.contains(':') { format!("[{host}]:{}", a.port) } else { format!("{host}:{}", a.port) };
    let open = a.open;
    crate::serve::serve_forever(&addr, &move |url| {
        if open {
            let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
            if std::process::Command::new(opener).arg(url).spawn().is_err() {
                eprintln!("warning: could not start {opener}; open {url} yourself");
            }
        }
    })
}
