SELECT * FROM time;
SELECT pid, version, config_valid FROM osquery_info;
SELECT name, default_value FROM osquery_flags WHERE name LIKE 'config%';
