// MapLibre for every page that shows a map: the package from node_modules (by the import map),
// its worker served beside it, and its controls' own texts in the reader's language.
import * as maplibregl from 'maplibre-gl';
import {lang} from './i18n.js';

maplibregl.setWorkerUrl('/vendor/maplibre-gl/maplibre-gl-worker.mjs');

export {maplibregl};

// MapLibre's own UI strings (the `locale` option of the Map).
const MAPLIBRE_LOCALE = {
  ja: {
    'AttributionControl.ToggleAttribution': '出典の表示切替',
    'AttributionControl.MapFeedback': '地図へのご意見',
    'FullscreenControl.Enter': '全画面表示',
    'FullscreenControl.Exit': '全画面表示を終了',
    'GeolocateControl.FindMyLocation': '現在地を表示',
    'GeolocateControl.LocationNotAvailable': '現在地を取得できません',
    'LogoControl.Title': 'MapLibre ロゴ',
    'Map.Title': '地図（矢印キーで移動、＋／−キーで拡大・縮小）',
    'Marker.Title': '選んだ地点',
    'NavigationControl.ResetBearing': '北を上にする（ドラッグで回転）',
    'NavigationControl.ZoomIn': '拡大',
    'NavigationControl.ZoomOut': '縮小',
    'Popup.Close': '閉じる',
    'ScaleControl.Feet': 'フィート',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
    'ScaleControl.Miles': 'マイル',
    'ScaleControl.NauticalMiles': '海里',
    'GlobeControl.Enable': '地球儀表示にする',
    'GlobeControl.Disable': '平面表示にする',
    'TerrainControl.Enable': '地形を表示',
    'TerrainControl.Disable': '地形を隠す',
    'CooperativeGesturesHandler.WindowsHelpText': 'Ctrl を押しながらスクロールで拡大・縮小',
    'CooperativeGesturesHandler.MacHelpText': '⌘ を押しながらスクロールで拡大・縮小',
    'CooperativeGesturesHandler.MobileHelpText': '2本指で地図を動かします',
  },
  en: {
    'AttributionControl.ToggleAttribution': 'Toggle attribution',
    'AttributionControl.MapFeedback': 'Map feedback',
    'FullscreenControl.Enter': 'Enter fullscreen',
    'FullscreenControl.Exit': 'Exit fullscreen',
    'GeolocateControl.FindMyLocation': 'Find my location',
    'GeolocateControl.LocationNotAvailable': 'Location not available',
    'LogoControl.Title': 'MapLibre logo',
    'Map.Title': 'Map (arrow keys move, + and − zoom)',
    'Marker.Title': 'Chosen place',
    'NavigationControl.ResetBearing': 'Reset north (drag to rotate)',
    'NavigationControl.ZoomIn': 'Zoom in',
    'NavigationControl.ZoomOut': 'Zoom out',
    'Popup.Close': 'Close popup',
    'ScaleControl.Feet': 'ft',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
    'ScaleControl.Miles': 'mi',
    'ScaleControl.NauticalMiles': 'nm',
    'GlobeControl.Enable': 'Enable globe',
    'GlobeControl.Disable': 'Disable globe',
    'TerrainControl.Enable': 'Enable terrain',
    'TerrainControl.Disable': 'Disable terrain',
    'CooperativeGesturesHandler.WindowsHelpText': 'Use Ctrl + scroll to zoom the map',
    'CooperativeGesturesHandler.MacHelpText': 'Use ⌘ + scroll to zoom the map',
    'CooperativeGesturesHandler.MobileHelpText': 'Use two fingers to move the map',
  },
};

/** The `locale` option of a Map (and of Map.setLocale) in this language. */
export function maplibreLocale(language = lang()) {
  return {...MAPLIBRE_LOCALE[language]};
}
