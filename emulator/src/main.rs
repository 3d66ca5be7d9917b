use clap::Parser;
use dragons_emulator::{site, RunningServer};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// The local stack: serves the built SPA like an S3 website.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The built site to serve (Trunk's output).
    #[arg(long, default_value = "dist")]
    site_dir: PathBuf,
    /// Loopback port for the site.
    #[arg(long, default_value_t = 8080)]
    site_port: u16,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if !args.site_dir.join("index.html").is_file() {
        eprintln!(
            "error: {} has no index.html; build the site first (cargo xtask build)",
            args.site_dir.display()
        );
        return ExitCode::FAILURE;
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.site_port));
    let server = match RunningServer::start(addr, site::router(&args.site_dir)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on {addr} ({e}); is something else using port {}? Pass --site-port to choose another.", args.site_port);
            return ExitCode::FAILURE;
        }
    };
    println!("Dragons sign-in is running:");
    println!("  app   http://localhost:{}/", server.addr().port());
    println!(
        "  site  {} (from {})",
        server.url(),
        args.site_dir.display()
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    println!("Stopping.");
    match server.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error while stopping: {e}");
            ExitCode::FAILURE
        }
    }
}
