//! A throwaway PostgreSQL cluster for the tests: the machines run no database server, so
//! `cargo xtask test` makes its own (Debian's `postgresql` installed when missing), on a free
//! loopback port, under `target/postgres/`, and stops it when the tests are done, whatever
//! else the machine runs. `PAYWIT_PG_URL` points the tests at an existing server instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{apt_install, is_root, root, run};

/// The environment variable the tests read the server's URL from.
pub const URL_VARIABLE: &str = "PAYWIT_PG_URL";

/// A server for the tests: the one `PAYWIT_PG_URL` names, or a cluster this process started
/// (stopped when dropped).
pub struct Postgres {
    /// `postgresql://...` of a database the tests may create schemas in.
    pub url: String,
    cluster: Option<Cluster>,
}

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
}

impl Postgres {
    /// `PAYWIT_PG_URL` when set, else a new cluster.
    pub fn start() -> Result<Postgres> {
        if let Ok(url) = std::env::var(URL_VARIABLE) {
            eprintln!("xtask: PostgreSQL tests use {URL_VARIABLE}");
            return Ok(Postgres { url, cluster: None });
        }
        let bin = server_binaries()?;
        let dir = cluster_dir()?;
        let data = dir.join("data");
        // A cluster a killed run left behind is stopped before it is replaced.
        if data.join("postmaster.pid").exists() {
            let _ = as_server_user(&bin.join("pg_ctl")).arg("-D").arg(&data).args(["-m", "immediate", "stop"]).output();
        }
        if data.exists() {
            std::fs::remove_dir_all(&data).with_context(|| format!("removing the old cluster {}", data.display()))?;
        }
        let output = as_server_user(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync"])
            .output()
            .context("could not start initdb")?;
        if !output.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let port = free_port()?;
        // A throwaway cluster: no fsync; tests kill workers and receivers, never the server.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.display()
        );
        let cluster = Cluster { bin: bin.clone(), data: data.clone() };
        run(as_server_user(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start"]))
        .with_context(|| format!("starting PostgreSQL (its log: {})", dir.join("server.log").display()))?;
        let url = format!("postgresql://postgres@127.0.0.1:{port}/postgres");
        eprintln!("xtask: started a throwaway PostgreSQL at {url} ({})", data.display());
        Ok(Postgres { url, cluster: Some(cluster) })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            let stopped = as_server_user(&cluster.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&cluster.data)
                .args(["-m", "fast", "-w", "stop"])
                .output();
            match stopped {
                Ok(output) if output.status.success() => eprintln!("xtask: stopped the throwaway PostgreSQL"),
                _ => eprintln!("xtask: could not stop the PostgreSQL in {}", cluster.data.display()),
            }
        }
    }
}

/// The directory of Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`), installing
/// `postgresql` with apt-get when there is none (idempotent).
fn server_binaries() -> Result<PathBuf> {
    let find = || -> Option<PathBuf> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        versions.sort();
        versions.pop()
    };
    if let Some(bin) = find() {
        return Ok(bin);
    }
    apt_install("postgresql")?;
    find().context("no initdb under /usr/lib/postgresql after installing Debian's postgresql")
}

/// `target/postgres`, writable by the user the server runs as. Under root that is Debian's
/// `postgres` user (initdb refuses root), which must also be able to reach the directory; when
/// it cannot (a checkout under a private home), a directory under the system's temp dir is used.
fn cluster_dir() -> Result<PathBuf> {
    let preferred = root().join("target").join("postgres");
    std::fs::create_dir_all(&preferred)?;
    if !is_root() {
        return Ok(preferred);
    }
    for dir in [preferred, std::env::temp_dir().join("paywit-postgres")] {
        std::fs::create_dir_all(&dir)?;
        run(Command::new("chown").args(["-R", "postgres:"]).arg(&dir))?;
        let reachable = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w"])
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if reachable {
            return Ok(dir);
        }
    }
    bail!("the postgres user can write neither target/postgres nor a temp dir: set {URL_VARIABLE}")
}

/// `program` run as the server's user: the `postgres` user when this is root, else as is.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
