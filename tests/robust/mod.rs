//! Robustness: concurrent writers, SIGKILL mid-load, metrics, and several replicas on one
//! PostgreSQL database.
mod concurrency;
mod crash;
mod hostile;
mod local_reads;
mod metrics;
pub mod process;
mod replicas;
mod writer;
