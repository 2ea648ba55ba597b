import './ui/mount.js';
