{#-
    Loads a seed's rows (overrides dbt-postgres' load_csv_rows, which dbt dispatches here first).
    1. The CSV header must be exactly the columns typed in the seed's YAML (no column missing,
       none extra or duplicated).
    2. Rows go as text into a temporary table in a few large inserts (dbt's default renders one
       placeholder per cell in Jinja, which takes minutes for a real export).
    3. Each typed column is checked in SQL; the first bad value stops the build with an error that
       names the file, line, column and value.
    4. The rows are cast into the seed table in one statement.
-#}
{% macro postgres__load_csv_rows(model, agate_table) %}
    {%- set file = model.original_file_path -%}
    {%- set column_types = model.config.column_types or {} -%}
    {%- set csv_columns = agate_table.column_names | list -%}
    {%- set expected = column_types.keys() | map('lower') | list -%}
    {%- set found = csv_columns | map('lower') | list -%}
    {%- if column_types and found | sort != expected | sort -%}
        {%- set missing = expected | reject('in', found) | list -%}
        {%- set unexpected = found | reject('in', expected) | list -%}
        {{ exceptions.raise_compiler_error(
            file ~ ": the header must have the columns " ~ expected | join(', ')
            ~ (("; missing: " ~ missing | join(', ')) if missing else "")
            ~ (("; unexpected (or duplicated): " ~ unexpected | join(', ')) if unexpected else "")
        ) }}
    {%- endif -%}

    {%- set staging = adapter.quote('seed_load__' ~ model.name) -%}
    {%- set text_columns = [] -%}
    {%- for name in csv_columns -%}
        {%- do text_columns.append(adapter.quote('c' ~ loop.index) ~ ' text') -%}
    {%- endfor -%}
    {% call statement('create_seed_staging') %}
        create temporary table {{ staging }} (line_number integer, {{ text_columns | join(', ') }})
        on commit drop
    {% endcall %}

    {%- set row_sql = '(' ~ (['%s'] * (csv_columns | length + 1)) | join(', ') ~ ')' -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set bindings = [] -%}
        {%- set first_line = loop.index0 * get_batch_size() + 2 -%}
        {%- for row in chunk -%}
            {%- do bindings.append(first_line + loop.index0) -%}
            {%- do bindings.extend(row) -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ staging ~ ' values ' ~ ([row_sql] * (chunk | length)) | join(', ') -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
    {%- endfor -%}

    {%- set checks = {
        'integer': ("^\\s*-?[0-9]{1,9}\\s*$", 'an integer'),
        'bigint': ("^\\s*-?[0-9]{1,18}\\s*$", 'an integer'),
        'boolean': ("^\\s*(true|false)\\s*$", 'True or False'),
        'timestamp': ("^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?)?\\s*$", 'a timestamp (YYYY-MM-DD HH:MM:SS)'),
    } -%}
    {%- set casts = [] -%}
    {%- for name in csv_columns -%}
        {%- set staged = adapter.quote('c' ~ loop.index) -%}
        {%- set sql_type = (column_types.get(name) or column_types.get(name | upper) or column_types.get(name | lower) or 'text') | lower -%}
        {%- if sql_type in checks -%}
            {%- set pattern, wanted = checks[sql_type] -%}
            {%- set bad = run_query(
                "select line_number, " ~ staged ~ " from " ~ staging ~ " where " ~ staged
                ~ " is not null and " ~ staged ~ " !~* '" ~ pattern ~ "' order by line_number limit 1"
            ) -%}
            {%- if bad.rows | length > 0 -%}
                {{ exceptions.raise_compiler_error(
                    file ~ ", line " ~ bad.rows[0][0] ~ ", column " ~ name ~ ": "
                    ~ bad.rows[0][1] | tojson ~ " is not " ~ wanted
                ) }}
            {%- endif -%}
        {%- endif -%}
        {%- do casts.append('cast(trim(' ~ staged ~ ') as ' ~ sql_type ~ ')' if sql_type != 'text' else staged) -%}
    {%- endfor -%}

    {%- set load_sql -%}
        insert into {{ this.render() }} ({{ get_seed_column_quoted_csv(model, csv_columns) }})
        select {{ casts | join(', ') }} from {{ staging }} order by line_number
    {%- endset -%}
    {%- do adapter.add_query(load_sql, abridge_sql_log=True) -%}
    {{ return(load_sql) }}
{% endmacro %}
