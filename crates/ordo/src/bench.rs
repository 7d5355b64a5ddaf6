//! The load generator (`ordo bench`): being written.

use clap::Args;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Base URL of a running Ordo server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// An admin API key.
    #[arg(long, env = "ORDO_KEY")]
    pub key: String,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    #[arg(long, default_value = "uniform")]
    pub scenario: String,
    #[arg(long)]
    pub rate: Option<f64>,
}

pub async fn run(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("the load generator is not built yet")
}
