import './ui/mount.js';
import { registerOffline } from './offline.js';
registerOffline();
