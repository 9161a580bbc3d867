{#-
    The table of a seed, before its rows are loaded (override dbt's default__create_csv_table and
    default__reset_csv_table, which dbt dispatches to the root project first). For the export's
    seeds (meta line_numbers):
    - a file with a header and no rows stops the build before anything changes, unless the var
      allow_empty_export_files lists it (dbt skips loading rows for such a file, so the check
      cannot wait for postgres__load_csv_rows);
    - a new table gets the column `_line_number` at once, so that a file listed as empty still
      gives the raw table the staging models read.
-#}
{% macro postgres__create_csv_table(model, agate_table) %}
    {{- check_export_has_rows(model, agate_table) -}}
    {%- set sql = default__create_csv_table(model, agate_table) -%}
    {%- if model.config.meta.get('line_numbers') -%}
        {% call statement('add_line_number') %}
            alter table {{ this.render() }} add column _line_number integer
        {% endcall %}
    {%- endif -%}
    {{ return(sql) }}
{% endmacro %}


{% macro postgres__reset_csv_table(model, full_refresh, old_relation, agate_table) %}
    {{- check_export_has_rows(model, agate_table) -}}
    {{ return(default__reset_csv_table(model, full_refresh, old_relation, agate_table)) }}
{% endmacro %}


{% macro check_export_has_rows(model, agate_table) %}
    {%- set file = model.original_file_path -%}
    {%- set file_name = file.split('/')[-1] -%}
    {%- set found = namespace(row=false) -%}
    {%- for row in agate_table.rows if not found.row -%}  {#- blank lines are no rows -#}
        {%- if row | reject('none') | first is defined -%}{%- set found.row = true -%}{%- endif -%}
    {%- endfor -%}
    {%- if model.config.meta.get('line_numbers') and not found.row
        and file_name not in var('allow_empty_export_files', []) -%}
        {{ exceptions.raise_compiler_error(
            file ~ ": a header and no rows; a file of an export without rows is taken for a broken"
            ~ " export (if it is empty on purpose, say so: --vars '{allow_empty_export_files: ["
            ~ file_name ~ "]}')"
        ) }}
    {%- endif -%}
{% endmacro %}
