//! `barsmith plot`: a chart of a bar file (CSV or Parquet) as PNG or SVG.
//!
//! [`table`] reads the file back, [`layout`] decides what is shown (selection, candles, texts), [`draw`] draws
//! it with plotters. The library crates know nothing of this: plotting lives in the command only.

pub mod draw;
pub mod layout;
#[cfg(feature = "parquet")]
mod parquet_table;
pub mod table;

use std::path::Path;

use anyhow::Result;

pub use draw::{Geometry, ImageFormat};
pub use layout::{ChartPlan, Labels, Selection};

/// What to plot and how.
#[derive(Debug, Clone)]
pub struct PlotRequest {
    /// Bars to draw.
    pub selection: Selection,
    /// Feature columns for the panels under the volume (at most two).
    pub features: Vec<String>,
    /// Image size in pixels.
    pub size: (u32, u32),
    /// Symbol and threshold for files that do not record them.
    pub labels: Labels,
}

/// Reads and plans the chart of `input` (all bad-input errors happen here, before any drawing).
pub fn plan(input: &Path, request: &PlotRequest) -> Result<ChartPlan> {
    let table = table::read_bar_file(input, &request.features)?;
    let bars = request.selection.apply(&table).map_err(|e| e.context(format!("{}", input.display())))?;
    let geometry = Geometry::new(request.size.0, request.size.1);
    Ok(ChartPlan::new(&table, bars, geometry.max_candles(), &request.labels))
}

/// Draws a planned chart as image bytes.
pub fn render(plan: &ChartPlan, size: (u32, u32), format: ImageFormat) -> Result<Vec<u8>> {
    draw::render(plan, Geometry::new(size.0, size.1), format)
}
