//! Drawing a [`ChartPlan`] with plotters: a price panel of candles, a volume panel (buy below, sell stacked
//! above) and up to two feature panels, all on one bar-index x axis.
//!
//! Axes and grids come from plotters' charts; candles, volume bars and feature lines are drawn in pixel
//! coordinates (mapped through each chart), so that a body is never thinner than one pixel, neighbouring
//! candles never overlap, and every candle is one rectangle of the SVG (the tests count them).

use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::layout::{Candle, ChartPlan, FeaturePoints};

/// Body colour of a bar that closed above its open.
pub const UP: RGBColor = RGBColor(0x26, 0xA6, 0x9A);
/// Body colour of a bar that closed below its open.
pub const DOWN: RGBColor = RGBColor(0xEF, 0x53, 0x50);
/// Body colour of a bar that closed at its open (only a forming bar can).
pub const FLAT: RGBColor = RGBColor(0x78, 0x7B, 0x86);
/// Buy volume (bottom of the stack).
pub const BUY: RGBColor = RGBColor(0x7F, 0xCB, 0xC3);
/// Sell volume (stacked on the buy volume).
pub const SELL: RGBColor = RGBColor(0xF5, 0xA3, 0xA1);
/// Lines of the first and second feature panel.
pub const FEATURE_COLOURS: [RGBColor; 2] = [RGBColor(0x29, 0x62, 0xFF), RGBColor(0xE6, 0x5C, 0x00)];

const INK: RGBColor = RGBColor(0x1F, 0x23, 0x2B);
const MUTED: RGBColor = RGBColor(0x5D, 0x63, 0x6F);
const GRID: RGBColor = RGBColor(0xE3, 0xE6, 0xEB);
const BUY_TEXT: RGBColor = RGBColor(0x1B, 0x7F, 0x74);
const SELL_TEXT: RGBColor = RGBColor(0xC6, 0x28, 0x28);
const FONT: &str = "sans-serif";
/// The dashed lines and labels of holes in the data.
const HOLE: RGBColor = RGBColor(0x8E, 0x44, 0xAD);

/// The output image formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
}

/// Pixel sizes of the chart's parts, scaled from the 1600×900 default.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    width: u32,
    height: u32,
    scale: f64,
}

impl Geometry {
    /// The geometry of a `width`×`height` image.
    pub fn new(width: u32, height: u32) -> Geometry {
        let scale = (f64::from(width) / 1600.0).min(f64::from(height) / 900.0).clamp(0.5, 3.0);
        Geometry { width, height, scale }
    }

    fn px(&self, at_default: f64) -> u32 {
        (at_default * self.scale).round() as u32
    }

    fn title_height(&self) -> u32 {
        self.px(68.0)
    }
    fn y_label_width(&self) -> u32 {
        self.px(104.0)
    }
    fn x_label_height(&self) -> u32 {
        self.px(40.0)
    }
    fn margin(&self) -> u32 {
        self.px(24.0)
    }
    /// Wider on the right: the last tick label is centred on the last bar and must not be cut.
    fn margin_right(&self) -> u32 {
        self.px(64.0)
    }

    /// Width in pixels of the plotting area (where candles go).
    pub fn plot_width(&self) -> u32 {
        self.width.saturating_sub(self.y_label_width() + self.margin() + self.margin_right()).max(1)
    }

    /// The most candles that fit: two pixels each (a one-pixel body and a one-pixel gap).
    pub fn max_candles(&self) -> usize {
        (self.plot_width() / 2).max(1) as usize
    }

    fn font(&self, size: f64) -> TextStyle<'static> {
        (FONT, size * self.scale).into_font().color(&INK)
    }
}

/// Renders the chart as PNG or SVG bytes.
pub fn render(plan: &ChartPlan, geometry: Geometry, format: ImageFormat) -> Result<Vec<u8>> {
    register_fonts()?;
    let size = (geometry.width, geometry.height);
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                draw_chart(&root, plan, geometry)?;
                root.present().map_err(drawing_error)?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut pixels = vec![0u8; geometry.width as usize * geometry.height as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
                draw_chart(&root, plan, geometry)?;
                root.present().map_err(drawing_error)?;
            }
            encode_png(&pixels, size)
        }
    }
}

fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    writer.write_image_data(rgb).map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    writer.finish().map_err(|e| anyhow!("encoding the PNG: {e}"))?;
    Ok(out)
}

/// plotters draws text with a font registered by name; ours is DejaVu Sans, embedded (no system fonts needed).
fn register_fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok { Ok(()) } else { Err(anyhow!("the embedded DejaVu Sans font could not be loaded")) }
}

fn drawing_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

type Panel<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, plan: &ChartPlan, geometry: Geometry) -> Result<()> {
    root.fill(&WHITE).map_err(drawing_error)?;
    let (head, body) = root.split_vertically(geometry.title_height());
    draw_titles(&head, plan, geometry)?;

    let fractions: &[f64] = match plan.features.len() {
        0 => &[0.70, 0.30],
        1 => &[0.54, 0.20, 0.26],
        _ => &[0.46, 0.18, 0.18, 0.18],
    };
    let panel_room = f64::from(body.dim_in_pixel().1.saturating_sub(geometry.x_label_height()));
    let mut areas = Vec::new();
    let mut rest = body;
    for fraction in &fractions[..fractions.len() - 1] {
        let (upper, lower) = rest.split_vertically((panel_room * fraction).round() as u32);
        areas.push(upper);
        rest = lower;
    }
    areas.push(rest);
    let last = areas.len() - 1;

    let mut price = panel(&areas[0], plan, geometry, price_range(&plan.candles), 0 == last)?;
    mesh(&mut price, plan, geometry, "price", 0 == last)?;
    let canvas = Canvas { root, plan, geometry };
    canvas.candles(&price)?;
    canvas.holes(&price, true)?;

    let mut volume = panel(&areas[1], plan, geometry, volume_range(&plan.candles), 1 == last)?;
    mesh(&mut volume, plan, geometry, "volume", 1 == last)?;
    canvas.volumes(&volume)?;
    canvas.holes(&volume, false)?;

    for (i, feature) in plan.features.iter().enumerate() {
        let index = i + 2;
        let mut chart = panel(&areas[index], plan, geometry, feature_range(feature), index == last)?;
        mesh(&mut chart, plan, geometry, &feature.name, index == last)?;
        canvas.feature(&chart, feature, FEATURE_COLOURS[i % 2])?;
        canvas.holes(&chart, false)?;
    }
    Ok(())
}

fn draw_titles<DB: DrawingBackend>(head: &DrawingArea<DB, Shift>, plan: &ChartPlan, geometry: Geometry) -> Result<()> {
    let left = geometry.margin() as i32;
    let bold = FontDesc::new(FontFamily::SansSerif, 22.0 * geometry.scale, FontStyle::Bold).color(&INK);
    head.draw(&Text::new(plan.title.clone(), (left, geometry.px(12.0) as i32), bold)).map_err(drawing_error)?;
    let small = geometry.font(15.0).color(&MUTED);
    head.draw(&Text::new(plan.subtitle.clone(), (left, geometry.px(42.0) as i32), small)).map_err(drawing_error)?;
    Ok(())
}

fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    plan: &ChartPlan,
    geometry: Geometry,
    (low, high): (f64, f64),
    bottom: bool,
) -> Result<Panel<'a, DB>> {
    let x_range = (plan.bars.start as f64 - 0.5)..(plan.bars.end as f64 - 0.5);
    ChartBuilder::on(area)
        .margin_left(geometry.margin())
        .margin_right(geometry.margin_right())
        .margin_top(geometry.px(6.0))
        .margin_bottom(if bottom { geometry.px(4.0) } else { geometry.px(2.0) })
        .x_label_area_size(if bottom { geometry.x_label_height() } else { 0 })
        .y_label_area_size(geometry.y_label_width())
        .build_cartesian_2d(x_range, low..high)
        .map_err(drawing_error)
}

fn mesh<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    plan: &ChartPlan,
    geometry: Geometry,
    name: &str,
    bottom: bool,
) -> Result<()> {
    let (low, high) = {
        let range = chart.y_range();
        (range.start, range.end)
    };
    let step = (high - low) / 6.0;
    let x_labels = (geometry.plot_width() / geometry.px(190.0).max(1)).max(2) as usize;
    let x_format = |x: &f64| plan.x_label(*x);
    let y_format = |y: &f64| axis_number(*y, step);
    let mut style = chart.configure_mesh();
    style
        .x_labels(x_labels)
        .y_labels(6)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .label_style(geometry.font(13.0).color(&MUTED))
        .axis_desc_style(geometry.font(14.0))
        .y_desc(name)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED);
    if bottom {
        style.x_desc("bar number · open time (UTC)");
    } else {
        style.disable_x_axis();
    }
    style.draw().map_err(drawing_error)
}

/// An axis number with as many decimals as the tick step needs (scientific for very small or large values).
pub fn axis_number(value: f64, step: f64) -> String {
    let magnitude = value.abs().max(step.abs());
    if magnitude != 0.0 && !(1e-4..1e9).contains(&magnitude) {
        return format!("{value:.2e}");
    }
    let decimals = if step > 0.0 { (-step.log10()).ceil().clamp(0.0, 8.0) as usize } else { 2 };
    let text = format!("{value:.decimals$}");
    // "-0.00" reads as a bug on an axis.
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') { text.replace('-', "") } else { text }
}

fn price_range(candles: &[Candle]) -> (f64, f64) {
    let low = candles.iter().map(|c| c.low).fold(f64::INFINITY, f64::min);
    let high = candles.iter().map(|c| c.high).fold(f64::NEG_INFINITY, f64::max);
    padded(low, high, 0.04)
}

fn volume_range(candles: &[Candle]) -> (f64, f64) {
    let high = candles.iter().map(|c| c.buy_volume + c.sell_volume).fold(0.0, f64::max);
    (0.0, if high > 0.0 { high * 1.2 } else { 1.0 })
}

fn feature_range(feature: &FeaturePoints) -> (f64, f64) {
    let present = feature.values.iter().flatten().copied();
    let (low, high) = present.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if low > high {
        return (0.0, 1.0);
    }
    // Extra room on top for the caption.
    let (low, high) = padded(low, high, 0.08);
    (low, high + (high - low) * 0.15)
}

fn padded(low: f64, high: f64, fraction: f64) -> (f64, f64) {
    let span = high - low;
    let pad = if span > 0.0 { span * fraction } else { (high.abs() * 1e-3).max(1e-9) };
    (low - pad, high + pad)
}

/// Body width in pixels: about 70 % of a candle's slot, odd (so the wick is centred), at least 1, and always
/// at least one pixel narrower than the slot, so that neighbours never touch.
fn body_width(plan: &ChartPlan, geometry: Geometry) -> i32 {
    let slot = f64::from(geometry.plot_width()) * plan.group as f64 / plan.bars.len() as f64;
    let width = ((slot * 0.7).floor() as i32).max(1);
    if width % 2 == 0 { width - 1 } else { width }
}

/// A candle's pixel columns: its centre (the wick) and its body's left and right edges.
#[derive(Clone, Copy)]
struct Slot {
    x: i32,
    left: i32,
    right: i32,
}

/// The whole drawing area with what is drawn on it: the panels' contents are drawn through it.
struct Canvas<'a, DB: DrawingBackend> {
    root: &'a DrawingArea<DB, Shift>,
    plan: &'a ChartPlan,
    geometry: Geometry,
}

impl<DB: DrawingBackend> Canvas<'_, DB> {
    fn draw<'e, E>(&self, element: &'e E) -> Result<()>
    where
        &'e E: PointCollection<'e, (i32, i32)>,
        E: Drawable<DB>,
    {
        self.root.draw(element).map_err(drawing_error)
    }

    /// Calls `draw` for each candle with its [`Slot`] and the pixel row of a value on `chart`.
    fn each_candle(
        &self,
        chart: &Panel<'_, DB>,
        mut draw: impl FnMut(&Candle, Slot, &dyn Fn(f64) -> i32) -> Result<()>,
    ) -> Result<()> {
        let width = body_width(self.plan, self.geometry);
        for candle in &self.plan.candles {
            let y = |value: f64| chart.backend_coord(&(candle.x, value)).1;
            let x = chart.backend_coord(&(candle.x, candle.high)).0;
            let left = x - width / 2;
            draw(candle, Slot { x, left, right: left + width }, &y)?;
        }
        Ok(())
    }

    fn candles(&self, chart: &Panel<'_, DB>) -> Result<()> {
        self.each_candle(chart, |candle, slot, y| {
            let colour = candle_colour(candle);
            let (x, high, low, open, close) = (slot.x, y(candle.high), y(candle.low), y(candle.open), y(candle.close));
            self.draw(&PathElement::new(vec![(x, high), (x, low)], colour.stroke_width(1)))?;
            let top = open.min(close);
            let bottom = open.max(close).max(top + 1);
            // A forming bar (`is_complete` false) is drawn hollow.
            let style = if candle.complete { colour.filled() } else { colour.stroke_width(1) };
            self.draw(&Rectangle::new([(slot.left, top), (slot.right, bottom)], style))
        })
    }

    /// Each hole in the data as a dashed vertical line across the panel; on the price panel (`label`) with its
    /// length.
    fn holes(&self, chart: &Panel<'_, DB>, label: bool) -> Result<()> {
        let geometry = self.geometry;
        let range = chart.y_range();
        let dash = geometry.px(5.0).max(2) as i32;
        for hole in &self.plan.holes {
            let (x, top) = chart.backend_coord(&(hole.x, range.end));
            let (_, bottom) = chart.backend_coord(&(hole.x, range.start));
            let mut y = top;
            while y < bottom {
                let end = (y + dash).min(bottom);
                self.draw(&PathElement::new(vec![(x, y), (x, end)], HOLE.stroke_width(1)))?;
                y += 2 * dash;
            }
            if label {
                let text = format!("{:.1} h without records", hole.hours);
                let style = geometry.font(12.0).color(&HOLE);
                self.draw(&Text::new(text, (x + geometry.px(4.0) as i32, top + geometry.px(2.0) as i32), style))?;
            }
        }
        Ok(())
    }

    fn volumes(&self, chart: &Panel<'_, DB>) -> Result<()> {
        self.each_candle(chart, |candle, slot, y| {
            let (zero, buy_top) = (y(0.0), y(candle.buy_volume));
            let sell_top = y(candle.buy_volume + candle.sell_volume);
            let (left, right) = (slot.left, slot.right);
            self.draw(&Rectangle::new([(left, buy_top), (right, zero)], BUY.filled()))?;
            self.draw(&Rectangle::new([(left, sell_top), (right, buy_top)], SELL.filled()))
        })?;
        let geometry = self.geometry;
        let (x, y) = corner(chart, geometry);
        self.draw(&Text::new("buy volume", (x, y), geometry.font(13.0).color(&BUY_TEXT)))?;
        let sell_style = geometry.font(13.0).color(&SELL_TEXT);
        self.draw(&Text::new("sell volume (stacked above buy)", (x + geometry.px(90.0) as i32, y), sell_style))
    }

    /// A feature as lines through its values, broken where a value is null; a value alone between nulls is a dot.
    fn feature(&self, chart: &Panel<'_, DB>, feature: &FeaturePoints, colour: RGBColor) -> Result<()> {
        let mut run: Vec<(i32, i32)> = Vec::new();
        let candles = &self.plan.candles;
        let points = candles.iter().zip(&feature.values).map(|(c, v)| v.map(|v| chart.backend_coord(&(c.x, v))));
        for point in points.chain(std::iter::once(None)) {
            match point {
                Some(p) => run.push(p),
                None if run.len() == 1 => {
                    self.draw(&Circle::new(run[0], 2, colour.filled()))?;
                    run.clear();
                }
                None if run.len() > 1 => {
                    self.draw(&PathElement::new(std::mem::take(&mut run), colour.stroke_width(2)))?;
                }
                None => {}
            }
        }
        let total = self.plan.bars.len();
        let caption = match feature.nulls {
            0 => format!("{} · no nulls", feature.name),
            n if n == total => format!("{} · null for all {total} bars", feature.name),
            n => format!("{} · {n} of {total} bars null (gaps)", feature.name),
        };
        let (x, y) = corner(chart, self.geometry);
        self.draw(&Text::new(caption, (x, y), self.geometry.font(13.0).color(&colour)))
    }
}

/// The colour a candle is drawn in.
pub fn candle_colour(candle: &Candle) -> RGBColor {
    if candle.close > candle.open {
        UP
    } else if candle.close < candle.open {
        DOWN
    } else {
        FLAT
    }
}

/// The top-left corner of a panel's plotting area, inset a little: where captions go.
fn corner<DB: DrawingBackend>(chart: &Panel<'_, DB>, geometry: Geometry) -> (i32, i32) {
    let (x_range, y_range) = (chart.x_range(), chart.y_range());
    let (x, y) = chart.backend_coord(&(x_range.start, y_range.end));
    (x + geometry.px(8.0) as i32, y + geometry.px(4.0) as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_numbers_follow_the_step() {
        assert_eq!(axis_number(87648.0, 20.0), "87648");
        assert_eq!(axis_number(87648.25, 0.05), "87648.25");
        assert_eq!(axis_number(-0.0001, 0.1), "0.0");
        assert_eq!(axis_number(0.00000123, 0.0000001), "1.23e-6");
    }

    #[test]
    fn geometry_of_the_default_size() {
        let g = Geometry::new(1600, 900);
        assert_eq!(g.plot_width(), 1600 - 104 - 24 - 64);
        assert_eq!(g.max_candles(), 704);
    }
}
